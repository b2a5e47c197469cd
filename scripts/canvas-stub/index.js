// cowloop reads ROOT files with jsroot/io and jsroot/tree, which never draw. In this
// checkout the canvas package is replaced by this stub (package.json "overrides") so that
// `npm ci` needs no cairo build; anything that does load it learns why it is missing.
throw new Error('canvas is not installed in the cowloop development checkout (package.json overrides it with scripts/canvas-stub): cowloop never draws with jsroot');
