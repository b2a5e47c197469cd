// Run by node-gyp-build when cowloop is installed or rebuilt (package.json "prebuild.test"):
// exits 0 when an addon built for this Node.js release loads (a prebuilt binary, or an
// earlier build from source), so nothing is compiled; throws otherwise, and node-gyp-build
// then builds from source. A plain load would accept a build made for another release.
'use strict';
require('../dist/cjs/native.js').native();
