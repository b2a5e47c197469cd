'use strict';
// The large initialised state of the reco example, built once in the master and shared
// with the workers copy-on-write. Its size is set by RecoGeometrySvc.StateMB:
//   - a magnetic field map: a Float64Array grid (r, phi, z) of (Br, Bphi, Bz), ~40%;
//   - a calibration Map of one small JS object per readout channel, ~50%: the part that
//     lives in the V8 heap, which is what makes copy-on-write interesting;
//   - the geometry: layers holding arrays of module objects with alignment constants.
const { LAYERS, Z_HALF, MODULES_Z, layerRadius, modulesPhi } = require('./detector.js');

/** Bytes one calibration entry takes in the V8 heap (object + Map slot), measured on Node 20. */
const CALIBRATION_ENTRY_BYTES = 140;
const FIELD_SHARE = 0.4;
const CALIBRATION_SHARE = 0.5;
const FIELD_NR = 64;
const FIELD_NZ = 128;
const R_MAX = 420;

/** Layers of modules; each module knows its place and its first calibration channel. */
function buildGeometry(channelsPerModule) {
  const layers = [];
  let id = 0;
  for (let l = 0; l < LAYERS; l++) {
    const nPhi = modulesPhi(l);
    const modules = [];
    for (let iphi = 0; iphi < nPhi; iphi++) {
      for (let iz = 0; iz < MODULES_Z; iz++) {
        modules.push({
          id,
          layer: l,
          iphi,
          iz,
          firstChannel: id * channelsPerModule,
          // Small deterministic misalignments, as an alignment database would provide.
          align: { dphi: ((id * 7919) % 101 - 50) * 2e-6, dz: ((id * 104729) % 61 - 30) * 1e-3 },
        });
        id++;
      }
    }
    layers.push({ index: l, radius: layerRadius(l), nPhi, phiPitch: (2 * Math.PI) / nPhi, zPitch: (2 * Z_HALF) / MODULES_Z, modules });
  }
  return { layers, modules: id, channelsPerModule };
}

/** One object per channel: the per-channel constants a calibration database holds. */
function buildCalibration(channels) {
  const calibration = new Map();
  for (let c = 0; c < channels; c++) {
    const h = Math.imul(c ^ 0x5bd1e995, 0x27d4eb2d) >>> 0;
    calibration.set(c, {
      gain: 0.9 + (h % 2000) / 10000,
      pedestal: 8 + (h >>> 11) % 8,
      t0: ((h >>> 7) % 500) / 100,
      noise: 1 + ((h >>> 3) % 100) / 100,
      dead: h % 499 === 0,
    });
  }
  return calibration;
}

/** A solenoid-like field on an (r, phi, z) grid; Bz in tesla, falling off at the ends. */
function buildFieldMap(bytes) {
  const cells = Math.max(1, Math.floor(bytes / 8 / 3 / FIELD_NR / FIELD_NZ));
  const nPhi = cells;
  const data = new Float64Array(FIELD_NR * nPhi * FIELD_NZ * 3);
  let i = 0;
  for (let ir = 0; ir < FIELD_NR; ir++) {
    const r = (ir / (FIELD_NR - 1)) * R_MAX;
    for (let ip = 0; ip < nPhi; ip++) {
      const phi = (ip / nPhi) * 2 * Math.PI;
      const ripple = 1 + 0.002 * Math.cos(8 * phi);
      for (let iz = 0; iz < FIELD_NZ; iz++) {
        const z = (iz / (FIELD_NZ - 1) - 0.5) * 2 * Z_HALF * 1.2;
        const end = 1 / (1 + Math.exp((Math.abs(z) - Z_HALF) / 40));
        data[i++] = 0.02 * (r / R_MAX) * Math.sign(z) * (1 - end); // Br
        data[i++] = 0.0005 * Math.sin(phi) * (r / R_MAX); // Bphi
        data[i++] = 2.0 * end * ripple; // Bz
      }
    }
  }
  return { data, nr: FIELD_NR, nPhi, nz: FIELD_NZ, rMax: R_MAX, zMax: Z_HALF * 1.2 };
}

/** Bz at (r, phi, z): the nearest grid point (fast enough, and exactly reproducible). */
function fieldBz(field, r, phi, z) {
  const ir = Math.min(field.nr - 1, Math.max(0, Math.round((r / field.rMax) * (field.nr - 1))));
  const ip = Math.min(field.nPhi - 1, Math.max(0, Math.floor((phi / (2 * Math.PI)) * field.nPhi)));
  const iz = Math.min(field.nz - 1, Math.max(0, Math.round(((z / field.zMax + 1) / 2) * (field.nz - 1))));
  return field.data[((ir * field.nPhi + ip) * field.nz + iz) * 3 + 2];
}

/** Builds the whole state for a budget of `stateMB` megabytes. */
function buildState(stateMB) {
  const bytes = stateMB * 1024 * 1024;
  let modules = 0;
  for (let l = 0; l < LAYERS; l++) modules += modulesPhi(l) * MODULES_Z;
  const channels = Math.max(modules, Math.floor((bytes * CALIBRATION_SHARE) / CALIBRATION_ENTRY_BYTES));
  const channelsPerModule = Math.max(1, Math.floor(channels / modules));
  const geometry = buildGeometry(channelsPerModule);
  const calibration = buildCalibration(geometry.modules * channelsPerModule);
  const field = buildFieldMap(bytes * FIELD_SHARE);
  return { geometry, calibration, field };
}

module.exports = { buildState, fieldBz };
