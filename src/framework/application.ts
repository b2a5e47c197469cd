// The Application (Gaudi's ApplicationMgr as seen from code): it reads job options,
// creates components by "Type/Name", drives the state machine
//   offline -configure-> configured -initialize-> initialized -start-> running
// and runs the event loop named by ApplicationMgr.EventLoop.
//
//   const app = createApplication({ options: 'job.opts', components: [TrackFinder] });
//   const summary = await app.run();
import * as path from 'node:path';
import * as fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { CowloopError, ErrorCodes, invalidArgument } from '../errors.js';
import type { JobOptions, OptionValue, SourceLocation } from '../options/types.js';
import { isIoComponent } from './io-component.js';
import { ApplicationMgr } from './application-mgr.js';
import { Component, collectProperties, convertProperty, forEachOption, formatLocation, typeNameOf, type ComponentClass, type ComponentContext } from './component.js';
import { isEventProcessor, type AlgorithmSummary, type EventProcessor, type FailedEvent, type LoopResult } from './event-processor.js';
import { didYouMean, suggestNearest } from '../options/names.js';
import { loadOptionsInput, type OptionsInput, type PlainOptions } from './options-source.js';
import { ComponentRegistry, parseTypeAndName, registry as globalRegistry } from './registry.js';
import { Service } from './service.js';
import { MessageSvc, type MessageSink } from './services/message-svc.js';
import { nextState, type FsmState, type FsmTransition } from './state.js';
import type { LevelName } from './levels.js';

export interface ApplicationOptions {
  /** Job options: a file (.opts, .json, .js/.mjs), a JobOptions catalogue, or `{ Client: { Property: value } }`. */
  options?: OptionsInput;
  /** The application's own component classes (registered by type name), or `{ TypeName: Class }`. */
  components?: ComponentClass[] | Record<string, ComponentClass>;
  /** Options applied on top of `options`, e.g. from the command line: `{ ApplicationMgr: { EvtMax: 10 } }`. */
  overrides?: PlainOptions;
  /**
   * When `options` is a file name: a file included twice, or an include cycle, is an error
   * instead of being skipped with a warning (the command's `--strict`).
   */
  strict?: boolean;
  /** Where MessageSvc writes lines; default: standard output (or MessageSvc.Output). */
  messageSink?: MessageSink;
  /** Registry to look types up in after the application's own; default: the global `registry`. */
  registry?: ComponentRegistry;
}

export interface RunSummary {
  /** Type of the event loop that ran (e.g. "EventLoopMgr", "MpEventLoopMgr"). */
  eventLoop: string;
  /** Events read and executed (failed ones included). */
  processed: number;
  failed: number;
  failedEvents: FailedEvent[];
  stoppedEarly: boolean;
  algorithms: AlgorithmSummary[];
  /** Files written by the components (absolute paths), sorted. */
  outputs: string[];
  /** Messages written per level. */
  messages: Record<LevelName, number>;
  wallMs: number;
}

const OVERRIDE_LOCATION: SourceLocation = { file: '<overrides>', line: 1, column: 1 };
/** Other names of services that must be one instance. */
const SERVICE_ALIASES: Record<string, string> = { EventStoreSvc: 'EventStore' };
const STATE_RANK: Record<FsmState, number> = { offline: 0, configured: 1, initialized: 2, running: 3 };

export class Application {
  readonly registry: ComponentRegistry;
  readonly #spec: ApplicationOptions;
  #state: FsmState = 'offline';
  /** State that components created from now on are brought to. */
  #target: FsmState = 'offline';
  #options: JobOptions | undefined;
  readonly #components = new Map<string, Component>();
  readonly #services: Service[] = [];
  #pending: Promise<void>[] = [];
  #outputDir = process.cwd();
  #mgr: ApplicationMgr | undefined;
  #msg: MessageSvc | undefined;
  #loop: (EventProcessor & Service) | undefined;
  readonly #context: ComponentContext;

  constructor(spec: ApplicationOptions = {}) {
    if (spec.strict !== undefined && typeof spec.strict !== 'boolean') throw invalidArgument('strict', 'true or false', spec.strict);
    this.#spec = spec;
    this.registry = new ComponentRegistry(spec.registry ?? globalRegistry);
    const comps = spec.components ?? [];
    if (Array.isArray(comps)) this.registry.registerAll(comps);
    else for (const [name, cls] of Object.entries(comps)) this.registry.register(name, cls);
    this.#context = {
      services: {
        service: <T>(name: string): T => this.service<T>(name),
        existingService: <T>(name: string): T | undefined => this.#components.get(name) as T | undefined,
      },
      messages: () => this.messageSvc,
      resolveOutput: (file) => path.resolve(this.#outputDir, file),
      create: <T extends Component>(typeAndName: string, location?: SourceLocation): T => this.create<T>(typeAndName, location),
    };
  }

  get state(): FsmState {
    return this.#state;
  }

  /** The resolved job options (after configure). */
  get options(): JobOptions {
    if (!this.#options) throw this.#before('options', 'configure');
    return this.#options;
  }

  get messageSvc(): MessageSvc {
    if (!this.#msg) throw this.#before('messageSvc', 'configure');
    return this.#msg;
  }

  get eventLoop(): EventProcessor & Service {
    if (!this.#loop) throw this.#before('eventLoop', 'configure');
    return this.#loop;
  }

  get appMgr(): ApplicationMgr {
    if (!this.#mgr) throw this.#before('appMgr', 'configure');
    return this.#mgr;
  }

  /** The directory relative output paths resolve against (ApplicationMgr.OutputDir). */
  get outputDir(): string {
    return this.#outputDir;
  }

  /** A created component by instance name. */
  component<T extends Component = Component>(name: string): T | undefined {
    return this.#components.get(name) as T | undefined;
  }

  /** Every created component, in creation order. */
  components(): Component[] {
    return [...this.#components.values()];
  }

  /** A service by instance name, created (and brought to the application's state) on first use. */
  service<T = unknown>(name: string): T {
    name = SERVICE_ALIASES[name] ?? name;
    const have = this.#components.get(name);
    if (have) return have as T;
    return this.create(this.#serviceType(name)) as T;
  }

  /** Creates a component from "Type/Name" (or returns the one already named so) and applies its options. */
  create<T extends Component = Component>(typeAndName: string, location?: SourceLocation): T {
    const { type, name } = parseTypeAndName(typeAndName);
    const have = this.#components.get(name);
    if (have) {
      if (typeAndName.includes('/') && have.type !== type && !(have.constructor === this.registry.get(type))) {
        throw new CowloopError(
          ErrorCodes.ERR_COWLOOP_UNKNOWN_COMPONENT,
          `${formatLocation(location)}: "${typeAndName}": a component named "${name}" exists already with type ${have.type}`,
        );
      }
      return have as T;
    }
    const cls = this.registry.resolve(type, location);
    const c = new cls(name, this.#context);
    this.#components.set(name, c);
    try {
      c.sysConfigure(this.#options);
    } catch (e) {
      this.#components.delete(name);
      throw e;
    }
    if (c instanceof Service) {
      this.#services.push(c);
      this.#catchUp(c);
    }
    return c as T;
  }

  // ---- the state machine ----

  async configure(): Promise<void> {
    this.#check('configure');
    // A new cycle after terminate starts from fresh components (the old ones stay readable until now).
    this.#components.clear();
    this.#services.length = 0;
    const options = await loadOptionsInput(this.#spec.options, { strict: this.#spec.strict === true });
    for (const [client, props] of Object.entries(this.#spec.overrides ?? {})) {
      for (const [prop, value] of Object.entries(props)) options.set(client, prop, value as OptionValue, OVERRIDE_LOCATION);
    }
    this.#options = options;
    this.#target = 'configured';
    const mgr = this.create<ApplicationMgr>('ApplicationMgr/ApplicationMgr');
    mgr.attach(this);
    this.#mgr = mgr;
    await this.#importModules(mgr);
    const dir = mgr.props.OutputDir;
    this.#outputDir = path.resolve(dir || '.');
    const msg = new MessageSvc('MessageSvc', this.#context, this.#spec.messageSink);
    this.#components.set('MessageSvc', msg);
    this.#services.push(msg);
    msg.sysConfigure(options);
    this.#msg = msg;
    for (const s of mgr.props.ExtSvc) this.create(s, mgr.propertyLocation('ExtSvc'));
    const loop = this.create(mgr.props.EventLoop, mgr.propertyLocation('EventLoop'));
    if (!(loop instanceof Service) || !isEventProcessor(loop)) {
      throw new CowloopError(
        ErrorCodes.ERR_COWLOOP_UNKNOWN_COMPONENT,
        `${formatLocation(mgr.propertyLocation('EventLoop'))}: ApplicationMgr.EventLoop "${mgr.props.EventLoop}" is a ${loop.type}, not an event loop manager`,
      );
    }
    this.#loop = loop;
    loop.createTopSequence();
    this.#state = 'configured';
  }

  async initialize(): Promise<void> {
    this.#check('initialize');
    // A run that cannot fork fails now, not after a long initialisation, and writes nothing.
    this.eventLoop.checkProcess();
    this.#target = 'initialized';
    this.#makeOutputDir();
    // Services in creation order (MessageSvc first after ApplicationMgr), the event loop last:
    // it creates and initialises the algorithms, which may create more services.
    for (const s of [...this.#services]) if (s !== this.#loop && s.state === 'configured') await s.sysInitialize();
    await this.#drain();
    await this.eventLoop.sysInitialize();
    await this.#drain();
    this.#checkUnusedOptions();
    this.#state = 'initialized';
  }

  async start(): Promise<void> {
    this.#check('start');
    this.#target = 'running';
    for (const s of [...this.#services]) if (s !== this.#loop && s.state === 'initialized') await s.sysStart();
    await this.#drain();
    await this.eventLoop.sysStart();
    await this.#drain();
    this.#state = 'running';
  }

  async stop(): Promise<void> {
    this.#check('stop');
    this.#target = 'initialized';
    await this.eventLoop.sysStop();
    for (const s of [...this.#services].reverse()) if (s !== this.#loop && s.state === 'running') await s.sysStop();
    this.#state = 'initialized';
  }

  async finalize(): Promise<void> {
    this.#check('finalize');
    this.#target = 'configured';
    // Algorithms first (through the loop), then services in reverse order, MessageSvc last.
    await this.eventLoop.sysFinalize();
    const rest = [...this.#services].reverse().filter((s) => s !== this.#loop && s !== this.#msg);
    for (const s of rest) if (s.state === 'initialized') await s.sysFinalize();
    if (this.messageSvc.state === 'initialized') await this.messageSvc.sysFinalize();
    this.#state = 'configured';
  }

  async terminate(): Promise<void> {
    this.#check('terminate');
    this.#target = 'offline';
    for (const c of this.#components.values()) if (c.state === 'configured') c.sysTerminate();
    this.#state = 'offline';
  }

  /**
   * Processes events with the configured loop; needs state "running". Most callers use
   * run(), which also goes through the rest of the state machine.
   */
  async executeRun(maxEvents?: number): Promise<LoopResult> {
    if (this.#state !== 'running') {
      throw new CowloopError(
        ErrorCodes.ERR_COWLOOP_ILLEGAL_TRANSITION,
        `application: cannot run events in state "${this.#state}" (needs "running"; call start() first)`,
      );
    }
    return this.eventLoop.executeRun(maxEvents);
  }

  /**
   * The whole job: configure, initialize and start as needed, process the events, then stop,
   * finalize and terminate. A run that ends early (a failure at any step, an interrupt)
   * abandons its outputs first, so every output file stays as it was, then is stopped and
   * finalized before the error is thrown.
   */
  async run(): Promise<RunSummary> {
    const t0 = performance.now();
    let result: LoopResult;
    try {
      if (this.#state === 'offline') await this.configure();
      if (this.#state === 'configured') await this.initialize();
      if (this.#state === 'initialized') await this.start();
      result = await this.executeRun();
    } catch (e) {
      await this.abandonOutputs();
      await this.#shutdownAfter(e);
      throw e;
    }
    this.appMgr.log.info(`processed ${result.processed} events, ${result.failed} failed, with ${this.eventLoop.type}`);
    await this.stop();
    const algorithms = this.eventLoop.algorithmStats();
    await this.finalize();
    const summary: RunSummary = {
      eventLoop: this.eventLoop.type,
      ...result,
      algorithms,
      outputs: this.outputFiles(),
      messages: { ...this.messageSvc.counts },
      wallMs: performance.now() - t0,
    };
    await this.terminate();
    return summary;
  }

  /**
   * The run will not complete: every I/O component leaves its final output as it was and
   * drops what it wrote (the multi-process loop has already set its part aside). run() and
   * the serial loop call this on any early end, before finalize(). With
   * ApplicationMgr.KeepPartialOutputs a serial run keeps what it wrote instead (finalize
   * puts it in place). Failures are logged, not thrown: the run's own error matters.
   */
  async abandonOutputs(): Promise<void> {
    if (this.#mgr?.props.KeepPartialOutputs && !this.#loop?.forksWorkers) return;
    for (const c of this.#components.values()) {
      if (!isIoComponent(c) || typeof c.ioAbandon !== 'function') continue;
      try {
        await c.ioAbandon({});
      } catch (e) {
        this.#mgr?.log.error(`${c.name}: ${(e as Error)?.message ?? String(e)}`);
      }
    }
  }

  /**
   * Calls every component's prefork() hook once, in creation order (the multi-process loop
   * does, in the master, before forking). The event loop itself is left out: it is the caller.
   */
  async prefork(): Promise<void> {
    for (const c of this.#components.values()) if (c !== this.#loop) await c.sysPrefork();
  }

  /** Files the components report having written (absolute paths), sorted. */
  outputFiles(): string[] {
    const files = new Set<string>();
    for (const c of this.#components.values()) {
      const f = (c as { outputFiles?: () => string[] }).outputFiles;
      if (typeof f === 'function') for (const file of f.call(c)) files.add(path.resolve(file));
    }
    return [...files].sort();
  }

  // ---- internals ----

  #check(transition: FsmTransition): void {
    nextState('application', this.#state, transition);
  }

  #before(what: string, step: string): CowloopError {
    return new CowloopError(ErrorCodes.ERR_COWLOOP_ILLEGAL_TRANSITION, `application.${what} is available after ${step}() (state: ${this.#state})`);
  }

  /** Imports ApplicationMgr.Modules and registers the component classes they export. */
  async #importModules(mgr: ApplicationMgr): Promise<void> {
    const where = mgr.propertyLocation('Modules');
    const base = where && !where.file.startsWith('<') ? path.dirname(path.resolve(where.file)) : process.cwd();
    for (const spec of mgr.props.Modules) {
      // A bare "components.js" is the file beside the options file when there is one, else a package.
      const bareFile = !spec.startsWith('.') && !path.isAbsolute(spec) && fs.existsSync(path.resolve(base, spec)) && fs.statSync(path.resolve(base, spec)).isFile();
      const file = spec.startsWith('.') || path.isAbsolute(spec) || bareFile ? path.resolve(base, spec) : spec;
      let mod: Record<string, unknown>;
      try {
        mod = (await import(file.startsWith('/') ? pathToFileURL(file).href : file)) as Record<string, unknown>;
      } catch (e) {
        throw new CowloopError(
          ErrorCodes.ERR_COWLOOP_UNKNOWN_COMPONENT,
          `${formatLocation(where)}: cannot import module "${spec}" named in ApplicationMgr.Modules: ${(e as Error).message}`,
          { cause: e },
        );
      }
      const exported = new Set<unknown>([...Object.values(mod), ...Object.values((mod.default ?? {}) as object), mod.default]);
      for (const value of exported) {
        if (typeof value === 'function' && value.prototype instanceof Component && this.registry.get(typeNameOf(value as ComponentClass)) !== value) {
          this.registry.register(value as ComponentClass);
        }
      }
    }
  }

  /** The type of a service asked for by name: from ApplicationMgr.ExtSvc, or the type of that name. */
  #serviceType(name: string): string {
    for (const s of this.#mgr?.props.ExtSvc ?? []) if (parseTypeAndName(s).name === name) return s;
    if (this.registry.has(name)) return name;
    throw new CowloopError(
      ErrorCodes.ERR_COWLOOP_UNKNOWN_COMPONENT,
      `no service "${name}": no registered type has that name and ApplicationMgr.ExtSvc does not list "<Type>/${name}"` +
        `${didYouMean(name, this.registry.typeNames())}.`,
    );
  }

  /** Brings a service created late to the state the application is in (or entering). */
  #catchUp(s: Service): void {
    if (STATE_RANK[this.#target] < STATE_RANK.initialized) return;
    let p = s.sysInitialize();
    if (STATE_RANK[this.#target] >= STATE_RANK.running) p = p.then(() => s.sysStart());
    // Observed here so a failure is not an unhandled rejection; #drain rethrows it.
    p.catch(() => {});
    this.#pending.push(p);
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending;
      this.#pending = [];
      await Promise.all(batch);
    }
  }

  /** Creates ApplicationMgr.OutputDir; a path that cannot be a directory is a bad option value. */
  #makeOutputDir(): void {
    try {
      fs.mkdirSync(this.#outputDir, { recursive: true });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const why = err.code === 'ENOTDIR' || err.code === 'EEXIST' ? 'a regular file is in the way' : err.message;
      throw new CowloopError(
        ErrorCodes.ERR_COWLOOP_BAD_PROPERTY,
        `${formatLocation(this.appMgr.propertyLocation('OutputDir'))}: ApplicationMgr.OutputDir: cannot create the output directory ${this.#outputDir}: ${why}`,
        { cause: e },
      );
    }
  }

  /** Options for components that were never created: a typo, usually. */
  #checkUnusedOptions(): void {
    this.#checkOptionsOfTypesNotCreated();
    const policy = this.appMgr.props.UnknownOptions;
    if (policy === 'ignore') return;
    const names = [...this.#components.keys()];
    // A name another option gives a component ("Type/Name", EvtSel = "Name") may be created later, on first use.
    const named = namesInValues(this.options);
    const problems: string[] = [];
    for (const client of this.options.clients()) {
      if (this.#components.has(client) || this.registry.has(client) || named.has(client)) continue;
      const first = this.options.client(client).values().next().value;
      const near = suggestNearest(client, names);
      problems.push(
        `${formatLocation(first?.location)}: options for "${client}", but the job creates no component of that name.` +
          (near ? ` Did you mean "${near}"?` : ` Components: ${names.join(', ')}`),
      );
    }
    if (problems.length === 0) return;
    if (policy === 'error') {
      throw new CowloopError(
        ErrorCodes.ERR_COWLOOP_UNKNOWN_COMPONENT,
        `${problems.join('\n')}\n(ApplicationMgr.UnknownOptions = "warn" makes this a warning)`,
      );
    }
    for (const p of problems) this.#mgr?.log.warning(p);
  }

  /**
   * Options for a registered type this run does not create under its own name
   * (MpEventLoopMgr in a serial run) are checked as that component would check them, so a
   * typo fails now and not in the run that uses them.
   */
  #checkOptionsOfTypesNotCreated(): void {
    for (const client of this.options.clients()) {
      const type = this.#components.has(client) ? undefined : this.registry.get(client);
      if (!type) continue;
      const decls = collectProperties(type);
      const owner = { name: client, type: typeNameOf(type) };
      forEachOption(owner, this.options, (prop, entry) => convertProperty(owner, decls, prop, entry.value, entry.location));
    }
  }

  async #shutdownAfter(error: unknown): Promise<void> {
    const steps: Array<[FsmState, () => Promise<void>]> = [
      ['running', () => this.stop()],
      ['initialized', () => this.finalize()],
    ];
    for (const [state, step] of steps) {
      if (this.#state !== state) continue;
      try {
        await step();
      } catch (e) {
        this.#mgr?.log.error(`while shutting down after "${(error as Error)?.message ?? String(error)}": ${(e as Error)?.message ?? String(e)}`);
        return;
      }
    }
  }
}

/** Component names that option values mention: the Name of "Type/Name" strings, and plain names. */
function namesInValues(options: JobOptions): Set<string> {
  const names = new Set<string>();
  const visit = (value: OptionValue): void => {
    if (typeof value === 'string') {
      const m = /^[A-Za-z_][\w:]*(?:\/([A-Za-z_][\w.:]*))?$/.exec(value);
      if (m) names.add(m[1] ?? value);
    } else if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (value !== null && typeof value === 'object') {
      Object.values(value).forEach(visit);
    }
  };
  for (const client of options.clients()) for (const entry of options.client(client).values()) visit(entry.value);
  return names;
}

/** Builds an application; nothing happens until configure() or run(). */
export function createApplication(spec: ApplicationOptions = {}): Application {
  return new Application(spec);
}
