// A Sequence runs its member algorithms in order (`Members = { "Type/Name", "Type" }`).
// ApplicationMgr.TopAlg is the members list of the top sequence. A member returning false
// stops the sequence for that event when ShortCircuit is on (the default).
import type { PropertyDecls, PropsOf } from './properties.js';
import { Algorithm } from './algorithm.js';
import { CowloopError, ErrorCodes } from '../errors.js';
import { formatLocation, type Component } from './component.js';
import type { EventContext } from './event-source.js';
import { prop } from './properties.js';

const sequenceProperties = {
  Members: prop.list(prop.string(), [], 'member algorithms as "Type/Name" or "Type" strings, run in order'),
  ShortCircuit: prop.bool(true, 'stop the sequence for an event when a member returns false'),
};

export class Sequence extends Algorithm {
  static override properties: PropertyDecls = sequenceProperties;
  declare readonly props: PropsOf<typeof sequenceProperties>;

  #members: Algorithm[] = [];
  #created = false;

  /** The member algorithms, created at initialize. */
  get members(): readonly Algorithm[] {
    return this.#members;
  }

  /** Every algorithm under this sequence, depth first (nested sequences included, not this one). */
  allAlgorithms(): Algorithm[] {
    const out: Algorithm[] = [];
    for (const m of this.#members) {
      out.push(m);
      if (m instanceof Sequence) out.push(...m.allAlgorithms());
    }
    return out;
  }

  /**
   * Creates the members (and theirs, for nested sequences) so their options are checked.
   * The application does this at configure, before any slow initialisation; idempotent.
   */
  createMembers(): void {
    if (this.#created) return;
    this.#members = this.props.Members.map((typeAndName) => {
      const c = this.context.create(typeAndName, this.propertyLocation('Members'));
      if (!(c instanceof Algorithm)) {
        throw new CowloopError(
          ErrorCodes.ERR_COWLOOP_UNKNOWN_COMPONENT,
          `${formatLocation(this.propertyLocation('Members'))}: ${this.name} member "${typeAndName}" is a ${c.type}, not an Algorithm`,
        );
      }
      return c;
    });
    this.#created = true;
    for (const m of this.#members) if (m instanceof Sequence) m.createMembers();
  }

  override async initialize(): Promise<void> {
    this.createMembers();
    await forEachInState(this.#members, 'configured', (m) => m.sysInitialize());
  }

  override async start(): Promise<void> {
    await forEachInState(this.#members, 'initialized', (m) => m.sysStart());
  }

  override async stop(): Promise<void> {
    await forEachInState(this.#members, 'running', (m) => m.sysStop());
  }

  override async finalize(): Promise<void> {
    await forEachInState([...this.#members].reverse(), 'initialized', (m) => m.sysFinalize());
  }

  execute(ctx: EventContext): boolean | Promise<boolean> {
    const members = this.#members;
    for (let i = 0; i < members.length; i++) {
      const r = (members[i] as Algorithm).sysExecute(ctx);
      if (r instanceof Promise) return this.#continueAsync(r, i, ctx);
      if (!r && this.props.ShortCircuit) return false;
    }
    return true;
  }

  // Rest of the sequence once a member went asynchronous; synchronous members stay fast.
  async #continueAsync(pending: Promise<boolean>, index: number, ctx: EventContext): Promise<boolean> {
    if (!(await pending) && this.props.ShortCircuit) return false;
    const members = this.#members;
    for (let i = index + 1; i < members.length; i++) {
      if (!(await (members[i] as Algorithm).sysExecute(ctx)) && this.props.ShortCircuit) return false;
    }
    return true;
  }
}

// Algorithms are shared by instance name: one listed in two sequences goes through each
// transition once.
async function forEachInState<T extends Component>(items: T[], state: Component['state'], f: (c: T) => Promise<void>): Promise<void> {
  for (const c of items) if (c.state === state) await f(c);
}
