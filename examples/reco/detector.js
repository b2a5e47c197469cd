'use strict';
// The toy detector shared by the input generator and the reconstruction: ten barrel layers
// of modules around the beam line. Lengths in mm, angles in radians.

const LAYERS = 10;
const Z_HALF = 600;
const MODULES_Z = 12;

/** Radius of layer l. */
function layerRadius(l) {
  return 30 + 40 * l;
}

/** Modules around phi in layer l. */
function modulesPhi(l) {
  return 16 + 8 * l;
}

function wrapPhi(phi) {
  const twoPi = 2 * Math.PI;
  return phi - twoPi * Math.floor(phi / twoPi);
}

module.exports = { LAYERS, Z_HALF, MODULES_Z, layerRadius, modulesPhi, wrapPhi };
