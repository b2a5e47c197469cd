// ApplicationMgr: the component that holds the application's own job options
// (ApplicationMgr.EvtMax, TopAlg, EventLoop, ...). Components reach the running
// Application through it: `this.service<ApplicationMgr>('ApplicationMgr').application`.
import { CowloopError, ErrorCodes } from '../errors.js';
import type { Application } from './application.js';
import { prop, type PropertyDecls, type PropsOf } from './properties.js';
import { Service } from './service.js';

export const applicationMgrProperties = {
  EvtMax: prop.int(-1, 'maximum number of events to process; -1: all', { min: -1 }),
  TopAlg: prop.list(prop.string(), [], 'the top algorithm sequence, as "Type/Name" or "Type" strings'),
  EventLoop: prop.string('EventLoopMgr', 'the event loop manager, "Type" or "Type/Name" (e.g. "MpEventLoopMgr")'),
  Modules: prop.list(prop.string(), [], 'JavaScript modules to import at configure: a path relative to the options file that names them ("./x.js", or "x.js" when that file exists there), else a package name; their exported component classes are registered'),
  ExtSvc: prop.list(prop.string(), [], 'services to create at configure, as "Type/Name" (e.g. "CounterSelector/EventSelector")'),
  OutputDir: prop.string('', 'directory relative output paths resolve against; empty: the current directory'),
  KeepPartialOutputs: prop.bool(false, 'a serial run that ends early (a failure, an interrupt) still renames what it wrote, the events it processed, into place over the previous outputs; off: the previous outputs stay (multi-process runs always keep partial results under their worker directory)'),
  UnknownOptions: prop.choice(['error', 'warn', 'ignore'] as const, 'error',
    'options for a component the job never creates (nor names in another option, nor is a registered type): an error (exit 3) with the nearest component name, a warning, or nothing'),
};

export class ApplicationMgr extends Service {
  static override properties: PropertyDecls = applicationMgrProperties;
  declare readonly props: PropsOf<typeof applicationMgrProperties>;

  #application: Application | undefined;

  /** The application this manager belongs to. */
  get application(): Application {
    if (!this.#application) throw new CowloopError(ErrorCodes.ERR_COWLOOP_ILLEGAL_TRANSITION, 'ApplicationMgr is not attached to an application');
    return this.#application;
  }

  /** @internal */
  attach(app: Application): void {
    this.#application = app;
  }
}
