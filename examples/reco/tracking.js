'use strict';
// Per-event reconstruction of the reco example: calibrate hits with the calibration map,
// bucket them by layer, grow track candidates from seeds in the two innermost layers,
// fit them, and propagate each through the field map. Cheap, but real table lookups.
const { LAYERS, Z_HALF, MODULES_Z, layerRadius, wrapPhi } = require('./detector.js');
const { fieldBz } = require('./state.js');

/** Calibrated hits of one event, grouped by layer and sorted by phi. */
function calibrateHits(rawHits, state) {
  const { layers } = state.geometry;
  const { calibration } = state;
  const perLayer = Array.from({ length: LAYERS }, () => []);
  let kept = 0;
  let energy = 0;
  for (const [l, rawPhi, rawZ, adc] of rawHits) {
    const layer = layers[l];
    if (!layer || Math.abs(rawZ) >= Z_HALF) continue;
    const iphi = Math.min(layer.nPhi - 1, Math.floor(wrapPhi(rawPhi) / layer.phiPitch));
    const iz = Math.min(MODULES_Z - 1, Math.floor((rawZ + Z_HALF) / layer.zPitch));
    const module = layer.modules[iphi * MODULES_Z + iz];
    const frac = (wrapPhi(rawPhi) - iphi * layer.phiPitch) / layer.phiPitch;
    const strip = Math.min(state.geometry.channelsPerModule - 1, Math.floor(frac * state.geometry.channelsPerModule));
    const calib = calibration.get(module.firstChannel + strip);
    if (!calib || calib.dead) continue;
    const e = (adc - calib.pedestal) * calib.gain;
    if (e < 3 * calib.noise) continue;
    perLayer[l].push({ phi: wrapPhi(rawPhi + module.align.dphi), z: rawZ + module.align.dz, r: layer.radius, e, used: false });
    kept++;
    energy += e;
  }
  for (const hits of perLayer) hits.sort((a, b) => a.phi - b.phi);
  return { perLayer, kept, energy };
}

/** Index of the hit nearest in phi to `phi` (hits sorted by phi), or -1. */
function nearest(hits, phi) {
  let lo = 0;
  let hi = hits.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (hits[mid].phi < phi) lo = mid + 1;
    else hi = mid;
  }
  let best = -1;
  let bestD = Infinity;
  for (const i of [lo - 1, lo, hits.length - 1, 0]) {
    if (i < 0 || i >= hits.length || hits[i].used) continue;
    const d = Math.abs(dPhi(hits[i].phi, phi));
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}

function dPhi(a, b) {
  let d = a - b;
  if (d > Math.PI) d -= 2 * Math.PI;
  if (d < -Math.PI) d += 2 * Math.PI;
  return d;
}

/** Least-squares line y = a + b x. */
function fitLine(xs, ys) {
  const n = xs.length;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sx += xs[i];
    sy += ys[i];
    sxx += xs[i] * xs[i];
    sxy += xs[i] * ys[i];
  }
  const den = n * sxx - sx * sx;
  const b = den === 0 ? 0 : (n * sxy - sx * sy) / den;
  return { a: (sy - b * sx) / n, b };
}

/**
 * Finds tracks: every unused pair of hits in layers 0 and 1 close in phi and z is a seed;
 * it is extended layer by layer with the nearest hit inside the road, and kept when it has
 * at least `minHits` hits.
 */
function findTracks(event, state, { minHits, road, steps }) {
  const { perLayer } = event;
  const tracks = [];
  for (const h0 of perLayer[0]) {
    if (h0.used) continue;
    for (const h1 of perLayer[1]) {
      if (h1.used || Math.abs(dPhi(h1.phi, h0.phi)) > 0.08) continue;
      const slopeZ = (h1.z - h0.z) / (h1.r - h0.r);
      if (Math.abs(h0.z - slopeZ * h0.r) > 150) continue; // must point back to the beam spot
      const hits = [h0, h1];
      let k = dPhi(h1.phi, h0.phi) / (h1.r - h0.r);
      for (let l = 2; l < LAYERS; l++) {
        const last = hits[hits.length - 1];
        const r = layerRadius(l);
        const phi = wrapPhi(last.phi + k * (r - last.r));
        const i = nearest(perLayer[l], phi);
        if (i < 0) continue;
        const h = perLayer[l][i];
        const z = h0.z + slopeZ * (r - h0.r);
        if (Math.abs(dPhi(h.phi, phi)) > road || Math.abs(h.z - z) > 20) continue;
        k = dPhi(h.phi, h0.phi) / (h.r - h0.r);
        hits.push(h);
      }
      if (hits.length < minHits) continue;
      for (const h of hits) h.used = true;
      tracks.push(fitTrack(hits, state, steps));
      break;
    }
  }
  return tracks;
}

/** Fits phi(r) and z(r), then integrates the field along the track for its momentum. */
function fitTrack(hits, state, steps) {
  const rs = hits.map((h) => h.r);
  const phi0 = hits[0].phi;
  const phis = hits.map((h) => phi0 + dPhi(h.phi, phi0));
  const zs = hits.map((h) => h.z);
  const phiFit = fitLine(rs, phis);
  const zFit = fitLine(rs, zs);
  // Mean Bz along the path, sampled through the field map.
  const rEnd = rs[rs.length - 1];
  let bz = 0;
  for (let s = 0; s < steps; s++) {
    const r = ((s + 0.5) / steps) * rEnd;
    bz += fieldBz(state.field, r, wrapPhi(phiFit.a + phiFit.b * r), zFit.a + zFit.b * r);
  }
  bz /= steps;
  const curvature = Math.abs(2 * phiFit.b); // 1/R in 1/mm
  const pt = curvature > 0 ? (0.3 * bz) / (curvature * 1000) : 100; // GeV, with R in m
  const eta = Math.asinh(zFit.b);
  let energy = 0;
  for (const h of hits) energy += h.e;
  return { pt, eta, phi: wrapPhi(phiFit.a), z0: zFit.a, nHits: hits.length, energy };
}

module.exports = { calibrateHits, findTracks };
