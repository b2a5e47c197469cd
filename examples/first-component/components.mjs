// The components of docs/guide.md, "Your first component". The job options load this
// module with ApplicationMgr.Modules; a host passes `components` to createApplication.
import { Algorithm, Service, prop } from 'cowloop';

/** A calibration table built once, in the master, and shared by every worker. */
export class CalibrationSvc extends Service {
  static properties = {
    Channels: prop.int(100000, 'readout channels in the table', { min: 1 }),
  };

  initialize() {
    // Runs once, before any fork: the workers share this table copy-on-write.
    const rng = this.service('RandomSvc').forStream('calibration');
    this.gains = new Float64Array(this.props.Channels);
    for (let c = 0; c < this.gains.length; c++) this.gains[c] = rng.gauss(1, 0.05);
    this.log.info(`calibrated ${this.gains.length} channels`);
  }

  gain(channel) {
    return this.gains[channel];
  }
}

/** Sums the calibrated energy of an event's hits; events below MinEnergy stop here. */
export class EnergySum extends Algorithm {
  static properties = {
    MinEnergy: prop.number(100, 'events with less energy stop here and are not written out', { min: 0 }),
  };

  initialize() {
    this.calib = this.service('CalibrationSvc');
  }

  execute(ctx) {
    const rng = this.random(ctx); // the same numbers for this event in any process
    const hits = ctx.data.n; // the input record: { seed, x, y, n } from "generator:<N>"
    let energy = 0;
    for (let i = 0; i < hits; i++) energy += rng.flat(0, 10) * this.calib.gain(rng.int(this.calib.props.Channels));
    energy = Math.round(energy * 1000) / 1000;
    ctx.store.put('nHits', hits);
    ctx.store.put('energy', energy);
    return energy >= this.props.MinEnergy; // false: the rest of the sequence skips this event
  }
}

/** Fills a histogram of the energy of the events that passed. */
export class EnergyMonitor extends Algorithm {
  initialize() {
    this.h = this.service('HistogramSvc').book1D('energy', 'calibrated energy per event', 50, 0, 1000);
  }

  execute(ctx) {
    this.h.fill(ctx.store.require('energy'));
  }

  finalize() {
    // In a worker: its own share of the events. In the master: all of them, merged.
    this.log.info(`${this.h.entries} events passed, mean energy ${this.h.mean().toFixed(1)}`);
  }
}

export const components = [CalibrationSvc, EnergySum, EnergyMonitor];
