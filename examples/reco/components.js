'use strict';
// The reco example's components. Job options load them with
// `ApplicationMgr.Modules = { "./components.js" };`; a host passes `components` to createApplication.
const fs = require('node:fs');
const path = require('node:path');
const { Algorithm, Service, prop } = require('cowloop');
const { writeInput } = require('./make-input.js');
const { buildState } = require('./state.js');
const { calibrateHits, findTracks } = require('./tracking.js');

/**
 * A relative path as EventSelector reads it: from the working directory when it exists
 * there, otherwise beside the options file that set it.
 */
function resolveBesideOptions(component, property, file) {
  if (path.isAbsolute(file) || fs.existsSync(file)) return file;
  const from = component.propertyLocation(property)?.file;
  if (!from || from.startsWith('<')) return file;
  return path.join(path.dirname(from), file);
}

/** Makes sure the input file exists, generating it (deterministically) when absent. */
class RecoInputSvc extends Service {
  static properties = {
    File: prop.string('data/hits.ndjson', 'input file of hits; generated when missing'),
    Events: prop.int(2000, 'events to generate when the file is missing', { min: 0 }),
    Seed: prop.int(1, 'seed of the generated input'),
  };

  initialize() {
    const file = resolveBesideOptions(this, 'File', this.props.File);
    if (fs.existsSync(file)) return;
    this.log.info(`${file} not found: generating ${this.props.Events} events (seed ${this.props.Seed})`);
    writeInput(file, this.props.Events, this.props.Seed);
  }
}

/** Holds the large shared state: field map, calibration map, geometry. */
class RecoGeometrySvc extends Service {
  static properties = {
    StateMB: prop.int(500, 'size of the initialised state in MB (field map, calibration, geometry)', { min: 1 }),
  };

  initialize() {
    const t0 = Date.now();
    this.shared = buildState(this.props.StateMB);
    const { geometry, calibration, field } = this.shared;
    this.log.info(
      `built ${this.props.StateMB} MB of state in ${Date.now() - t0} ms: ${geometry.layers.length} layers, ` +
        `${geometry.modules} modules, ${calibration.size} calibration channels, field map ${(field.data.byteLength / 1048576).toFixed(0)} MB`,
    );
  }
}

/** Calibrates hits and finds tracks; puts the event summary into the event store. */
class TrackFinder extends Algorithm {
  static properties = {
    MinHits: prop.int(6, 'minimum hits on a track', { min: 3, max: 10 }),
    Road: prop.number(0.01, 'half-width in phi (rad) of the road a track is extended in', { min: 0 }),
    PropagationSteps: prop.int(2000, 'steps of the field integration along each track (sets the CPU cost per event)', { min: 1 }),
    PtResolution: prop.number(0.01, 'relative smearing of the measured pT (drawn from RandomSvc)', { min: 0 }),
  };

  initialize() {
    this.geometry = this.service('RecoGeometrySvc');
  }

  execute(ctx) {
    const state = this.geometry.shared;
    const event = calibrateHits(ctx.data.hits, state);
    const tracks = findTracks(event, state, { minHits: this.props.MinHits, road: this.props.Road, steps: this.props.PropagationSteps });
    const rng = this.random(ctx);
    for (const t of tracks) t.pt *= 1 + rng.gauss(0, this.props.PtResolution);
    tracks.sort((a, b) => b.pt - a.pt);
    const lead = tracks[0];
    ctx.store.put('hits', event);
    ctx.store.put('tracks', tracks);
    ctx.store.put('nHits', event.kept);
    ctx.store.put('nTracks', tracks.length);
    ctx.store.put('sumPt', round(tracks.reduce((s, t) => s + t.pt, 0)));
    ctx.store.put('leadPt', lead ? round(lead.pt) : null);
    ctx.store.put('leadEta', lead ? round(lead.eta) : null);
  }
}

/** Fills the monitoring histograms. */
class RecoMonitor extends Algorithm {
  initialize() {
    const h = this.service('HistogramSvc');
    this.nHits = h.book1D('reco/nhits', 'calibrated hits per event', 60, 0, 300);
    this.nTracks = h.book1D('reco/ntracks', 'tracks per event', 20, 0, 20);
    this.pt = h.book1D('reco/pt', 'track pT [GeV]', 50, 0, 10);
    this.eta = h.book1D('reco/eta', 'track eta', 40, -2, 2);
    this.phiZ = h.book2D('reco/z0_eta', 'track z0 [mm] vs eta', 30, -150, 150, 20, -2, 2);
  }

  execute(ctx) {
    this.nHits.fill(ctx.store.require('nHits'));
    const tracks = ctx.store.require('tracks');
    this.nTracks.fill(tracks.length);
    for (const t of tracks) {
      this.pt.fill(t.pt);
      this.eta.fill(t.eta);
      this.phiZ.fill(t.z0, t.eta);
    }
  }
}

/** Six significant digits keep the summary file short and readable. */
function round(x) {
  return Number(x.toPrecision(6));
}

const components = [RecoInputSvc, RecoGeometrySvc, TrackFinder, RecoMonitor];

module.exports = { components, RecoInputSvc, RecoGeometrySvc, TrackFinder, RecoMonitor };
