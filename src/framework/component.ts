// The base of every configurable piece of a cowloop application (Gaudi's Component).
// A component has an instance name, typed properties declared on its class, a message
// stream, access to services, and one lifecycle. The framework calls the `sys*` wrappers,
// which check the state machine and do bookkeeping, then call the user's method.
import { format } from 'node:util';
import { CowloopError, ErrorCodes } from '../errors.js';
import type { JobOptions, OptionEntry, SourceLocation } from '../options/types.js';
import { Level, levelName, levelProperty, type LevelNumber } from './levels.js';
import { didYouMean } from '../options/names.js';
import { PropertyValueError, describeProperties, type PropertyDecls, type PropertyInfo } from './properties.js';
import { nextState, type FsmState, type FsmTransition } from './state.js';

/** Where messages go: implemented by MessageSvc. */
export interface MessageReporter {
  /** Effective threshold for a component whose own OutputLevel is `own` (null: the default). */
  threshold(own: LevelNumber | null): LevelNumber;
  report(source: string, level: LevelNumber, text: string): void;
}

/** Finds services by name, creating them on first use. */
export interface ServiceLocator {
  service<T = unknown>(name: string): T;
  /** The service if it exists already (never creates). */
  existingService<T = unknown>(name: string): T | undefined;
}

/** What the application hands each component it creates. */
export interface ComponentContext {
  readonly services: ServiceLocator;
  /** Lazy, because MessageSvc is itself a component. */
  messages(): MessageReporter;
  /** Resolves an output path against ApplicationMgr.OutputDir (absolute paths unchanged). */
  resolveOutput(file: string): string;
  /** Creates (or returns the existing instance of) a component from a "Type/Name" string. */
  create<T extends Component = Component>(typeAndName: string, location?: SourceLocation): T;
}

/** A component class as the registry sees it. */
export interface ComponentClass<T extends Component = Component> {
  new (name: string, context?: ComponentContext): T;
  readonly properties: PropertyDecls;
  /** The type name used in job options; defaults to the class name. */
  readonly typeName?: string;
  readonly prototype: T;
}

export function typeNameOf(cls: ComponentClass): string {
  return Object.prototype.hasOwnProperty.call(cls, 'typeName') && cls.typeName ? cls.typeName : cls.name;
}

/** Property declarations of a class and its base classes, base first. */
export function collectProperties(cls: ComponentClass): PropertyDecls {
  const chain: PropertyDecls[] = [];
  for (let c: unknown = cls; typeof c === 'function' && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    if (Object.prototype.hasOwnProperty.call(c, 'properties')) chain.unshift((c as ComponentClass).properties);
  }
  return Object.assign({}, ...chain) as PropertyDecls;
}

/** A component as its property errors name it. */
export interface PropertyOwner {
  readonly name: string;
  readonly type: string;
}

/** `value` converted for property `name` of `owner` (declared by `decls`); a located error when there is no such property or the value does not fit. */
export function convertProperty(owner: PropertyOwner, decls: PropertyDecls, name: string, value: unknown, location?: SourceLocation): unknown {
  const spec = decls[name];
  if (!spec) throw unknownProperty(owner, decls, name, location);
  try {
    return spec.convert(value);
  } catch (e) {
    if (!(e instanceof PropertyValueError)) throw e;
    throw new CowloopError(
      ErrorCodes.ERR_COWLOOP_BAD_PROPERTY,
      `${formatLocation(location)}: ${owner.name}.${name}: ${e.message} (${owner.type}.${name}: ${spec.doc || spec.typeName})`,
    );
  }
}

function unknownProperty(owner: PropertyOwner, decls: PropertyDecls, name: string, location: SourceLocation | undefined): CowloopError {
  return new CowloopError(
    ErrorCodes.ERR_COWLOOP_UNKNOWN_PROPERTY,
    `${formatLocation(location)}: ${owner.name} (${owner.type}) has no property "${name}"${didYouMean(name, Object.keys(decls))}.` +
      ` Its properties: ${Object.keys(decls).join(', ')}`,
  );
}

/** Calls `use` on each of `owner`'s entries in the job options; reports every bad entry at once. */
export function forEachOption(owner: PropertyOwner, options: JobOptions, use: (prop: string, entry: OptionEntry) => void): void {
  const problems: string[] = [];
  for (const [prop, entry] of options.client(owner.name)) {
    try {
      use(prop, entry);
    } catch (e) {
      if (!(e instanceof CowloopError)) throw e;
      problems.push(e.message);
    }
  }
  if (problems.length === 1) {
    const only = problems[0] as string;
    const unknown = only.includes('has no property');
    throw new CowloopError(unknown ? ErrorCodes.ERR_COWLOOP_UNKNOWN_PROPERTY : ErrorCodes.ERR_COWLOOP_BAD_PROPERTY, only);
  }
  if (problems.length > 1) {
    throw new CowloopError(ErrorCodes.ERR_COWLOOP_BAD_PROPERTY, `${problems.length} bad options for ${owner.name}:\n  ${problems.join('\n  ')}`);
  }
}

export function formatLocation(loc: SourceLocation | undefined): string {
  return loc ? `${loc.file}:${loc.line}:${loc.column}` : '<code>';
}

/** A message stream bound to one component: `this.log.info('found', n, 'tracks')`. */
export class MsgStream {
  readonly #owner: Component;
  constructor(owner: Component) {
    this.#owner = owner;
  }
  isEnabled(level: LevelNumber): boolean {
    return level >= this.#owner.messages().threshold(this.#owner.outputLevel);
  }
  log(level: LevelNumber, ...args: unknown[]): void {
    const reporter = this.#owner.messages();
    if (level < reporter.threshold(this.#owner.outputLevel)) return;
    reporter.report(this.#owner.name, level, format(...args));
  }
  verbose(...args: unknown[]): void {
    this.log(Level.VERBOSE, ...args);
  }
  debug(...args: unknown[]): void {
    this.log(Level.DEBUG, ...args);
  }
  info(...args: unknown[]): void {
    this.log(Level.INFO, ...args);
  }
  warning(...args: unknown[]): void {
    this.log(Level.WARNING, ...args);
  }
  warn(...args: unknown[]): void {
    this.log(Level.WARNING, ...args);
  }
  error(...args: unknown[]): void {
    this.log(Level.ERROR, ...args);
  }
  fatal(...args: unknown[]): void {
    this.log(Level.FATAL, ...args);
  }
}

/** Writes to stderr; used by components constructed outside an application (unit tests). */
const standaloneReporter: MessageReporter = {
  threshold: (own) => own ?? Level.INFO,
  report: (source, level, text) => {
    process.stderr.write(`${source.padEnd(20)} ${levelName(level).padEnd(7)} ${text}\n`);
  },
};

function standaloneContext(): ComponentContext {
  const missing = (what: string): never => {
    throw new CowloopError(
      ErrorCodes.ERR_COWLOOP_UNKNOWN_COMPONENT,
      `${what} is only available to components created by an application (createApplication)`,
    );
  };
  return {
    services: { service: (name) => missing(`service "${name}"`), existingService: () => undefined },
    messages: () => standaloneReporter,
    resolveOutput: (file) => file,
    create: (typeAndName) => missing(`component "${typeAndName}"`),
  };
}

export abstract class Component {
  static properties: PropertyDecls = {
    OutputLevel: levelProperty(null, 'message threshold of this component; unset: MessageSvc.OutputLevel'),
  };

  readonly name: string;
  readonly log: MsgStream;
  /** Current property values. Subclasses may narrow: `declare readonly props: PropsOf<typeof X.properties>`. */
  readonly props: Readonly<Record<string, unknown>>;
  protected readonly context: ComponentContext;
  readonly #decls: PropertyDecls;
  readonly #values: Record<string, unknown>;
  readonly #locations = new Map<string, SourceLocation>();
  #state: FsmState = 'offline';

  constructor(name: string, context?: ComponentContext) {
    if (typeof name !== 'string' || name.length === 0) {
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, `a component needs a non-empty name (got ${String(name)})`);
    }
    this.name = name;
    this.context = context ?? standaloneContext();
    this.#decls = collectProperties(this.constructor as ComponentClass);
    this.#values = {};
    for (const [key, spec] of Object.entries(this.#decls)) this.#values[key] = cloneDefault(spec.default);
    this.props = this.#values;
    this.log = new MsgStream(this);
  }

  /** The type name this component was registered under. */
  get type(): string {
    return typeNameOf(this.constructor as ComponentClass);
  }

  get state(): FsmState {
    return this.#state;
  }

  get outputLevel(): LevelNumber | null {
    return this.#values.OutputLevel as LevelNumber | null;
  }

  messages(): MessageReporter {
    return this.context.messages();
  }

  /** A service by instance name, created on first use: `this.service<HistogramSvc>('HistogramSvc')`. */
  service<T = unknown>(name: string): T {
    return this.context.services.service<T>(name);
  }

  /** Resolves an output file name against ApplicationMgr.OutputDir. */
  resolveOutput(file: string): string {
    return this.context.resolveOutput(file);
  }

  // ---- properties ----

  hasProperty(name: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.#decls, name);
  }

  getProperty<T = unknown>(name: string): T {
    if (!this.hasProperty(name)) throw unknownProperty(this, this.#decls, name, undefined);
    return this.#values[name] as T;
  }

  /** Where a property was last set (undefined: still its default, or set from code). */
  propertyLocation(name: string): SourceLocation | undefined {
    return this.#locations.get(name);
  }

  /** Sets a property with type checks; errors name the location when one is given. */
  setProperty(name: string, value: unknown, location?: SourceLocation): void {
    this.#values[name] = convertProperty(this, this.#decls, name, value, location);
    if (location) this.#locations.set(name, location);
    else this.#locations.delete(name);
  }

  /** Applies this component's entries of the job options; reports every bad entry at once. */
  applyOptions(options: JobOptions): void {
    forEachOption(this, options, (prop, entry) => this.setProperty(prop, entry.value, entry.location));
  }

  describeProperties(): PropertyInfo[] {
    return describeProperties(this.#decls);
  }

  // ---- lifecycle: user hooks (override these) ----

  /** Called once after properties are set; acquire services, open resources, book histograms. */
  initialize(): void | Promise<void> {}
  /** Called before the event loop starts (and again after a stop/start cycle). */
  start(): void | Promise<void> {}
  /** Called after the event loop ends. */
  stop(): void | Promise<void> {}
  /** Called once at the end: write outputs, release resources. */
  finalize(): void | Promise<void> {}
  /**
   * Called in the master just before workers are forked: finish any lazy loading now so the
   * loaded state is shared copy-on-write instead of being rebuilt in every worker.
   */
  prefork(): void | Promise<void> {}

  // ---- lifecycle: framework wrappers ----

  /** Applies options (when given) and moves offline -> configured. */
  sysConfigure(options?: JobOptions): void {
    const next = nextState(this.name, this.#state, 'configure');
    if (options) this.applyOptions(options);
    this.#state = next;
  }

  sysInitialize(): Promise<void> {
    return this.#transition('initialize', () => this.initialize());
  }
  sysStart(): Promise<void> {
    return this.#transition('start', () => this.start());
  }
  sysStop(): Promise<void> {
    return this.#transition('stop', () => this.stop());
  }
  sysFinalize(): Promise<void> {
    return this.#transition('finalize', () => this.finalize());
  }
  sysTerminate(): void {
    this.#state = nextState(this.name, this.#state, 'terminate');
  }

  async sysPrefork(): Promise<void> {
    try {
      await this.prefork();
    } catch (e) {
      throw this.#failure('prefork', e);
    }
  }

  async #transition(transition: FsmTransition, hook: () => void | Promise<void>): Promise<void> {
    const next = nextState(this.name, this.#state, transition);
    this.log.verbose(`${transition}`);
    try {
      await hook();
    } catch (e) {
      throw this.#failure(transition, e);
    }
    this.#state = next;
  }

  #failure(what: string, e: unknown): CowloopError {
    // Configuration errors already say what and where; a nested component's failure is already named.
    if (e instanceof CowloopError && PASS_THROUGH.has(e.code)) return e;
    const message = e instanceof Error ? e.message : String(e);
    return new CowloopError(ErrorCodes.ERR_COWLOOP_COMPONENT_FAILED, `${this.name} (${this.type}): ${what} failed: ${message}`, {
      cause: e,
    });
  }
}

const PASS_THROUGH = new Set<string>([
  ErrorCodes.ERR_COWLOOP_COMPONENT_FAILED,
  ErrorCodes.ERR_COWLOOP_BAD_PROPERTY,
  ErrorCodes.ERR_COWLOOP_UNKNOWN_PROPERTY,
  ErrorCodes.ERR_COWLOOP_UNKNOWN_COMPONENT,
  ErrorCodes.ERR_COWLOOP_ILLEGAL_TRANSITION,
]);

function cloneDefault(value: unknown): unknown {
  // Defaults are shared by every instance of a class: give each instance its own copy.
  if (Array.isArray(value)) return value.map(cloneDefault);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cloneDefault(v)]));
  }
  return value;
}
