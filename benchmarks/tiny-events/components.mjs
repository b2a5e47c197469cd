// The tiny-events job's algorithms: next to nothing per event, so what is measured is the
// loop's own cost per event (reading, dispatch, claims, outputs), serially and in workers.
import { Algorithm } from 'cowloop';

/** Adds two fields of the record and puts the sum in the event store. */
export class Sum extends Algorithm {
  execute(ctx) {
    ctx.store.put('sum', ctx.data.a + ctx.data.b);
  }
}

/** Lets every other event through to the output. */
export class KeepEven extends Algorithm {
  execute(ctx) {
    return ctx.data.a % 2 === 0;
  }
}
