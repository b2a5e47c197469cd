// RandomSvc: per-event random streams. A stream is seeded by hashing (Seed, run number,
// event number, stream name), so an event's numbers do not depend on the order events are
// processed in, on which worker handles them, or on what other algorithms draw.
import type { EventContext } from '../event-source.js';
import { prop, type PropertyDecls, type PropsOf } from '../properties.js';
import { Service } from '../service.js';
import { Rng } from './random.js';

const randomProperties = {
  Seed: prop.uint64(12345n, 'job-wide seed mixed into every per-event stream'),
};

export class RandomSvc extends Service {
  static override properties: PropertyDecls = randomProperties;
  declare readonly props: PropsOf<typeof randomProperties>;

  /** A generator for one (event, stream); `stream` is usually the algorithm's name. */
  forEvent(ctx: Pick<EventContext, 'number' | 'run'>, stream = ''): Rng {
    return new Rng([this.props.Seed, ctx.run, ctx.number, stream]);
  }

  /** A generator for a stream not tied to an event (e.g. building a toy geometry at initialize). */
  forStream(stream: string): Rng {
    return new Rng([this.props.Seed, stream]);
  }
}
