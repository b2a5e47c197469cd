// The script inlined into the HTML report. It reads the run record from the page's
// <script type="application/json" id="run-data"> and draws the charts as SVG, with no
// library and no network. When it is done it sets document.body.dataset.rendered = "true"
// (the browser test waits for that). Plain ES2017 in a string: it runs in the browser, not
// in Node, and is not type-checked here.
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  var PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];
  var data = JSON.parse(document.getElementById('run-data').textContent);

  function colour(index) { return index < 0 ? '#333333' : PALETTE[index % PALETTE.length]; }
  // A serial run has one process, which is no worker.
  var serial = data.workerSamples.length > 0 && data.workerSamples.every(function (w) { return w.pid === data.host.masterPid; });
  function label(index) { return index < 0 ? 'master' : serial ? 'job process' : 'worker ' + index; }
  function node(name, attrs, parent) {
    var e = document.createElementNS(SVG, name);
    for (var k in attrs) e.setAttribute(k, String(attrs[k]));
    if (parent) parent.appendChild(e);
    return e;
  }
  function write(parent, x, y, s, attrs) {
    var t = node('text', Object.assign({ x: x, y: y }, attrs || {}), parent);
    t.textContent = s;
    return t;
  }
  function ticks(max, count) {
    if (!(max > 0)) max = 1;
    var raw = max / count;
    var step = Math.pow(10, Math.floor(Math.log10(raw)));
    var r = raw / step;
    step *= r >= 7.5 ? 10 : r >= 3.5 ? 5 : r >= 1.5 ? 2 : 1;
    var out = [];
    for (var v = 0; v < max + step / 2; v += step) out.push(+v.toPrecision(12));
    if (out[out.length - 1] < max) out.push(+(out[out.length - 1] + step).toPrecision(12));
    return out;
  }
  function groupBy(rows, key) {
    var map = new Map();
    rows.forEach(function (r) { var k = r[key]; if (!map.has(k)) map.set(k, []); map.get(k).push(r); });
    return Array.from(map.entries()).sort(function (a, b) { return a[0] - b[0]; });
  }
  function empty(container, message) {
    var p = document.createElement('p');
    p.className = 'empty';
    p.textContent = message;
    container.appendChild(p);
  }

  // A line chart: series = [{ label, colour, points: [[x, y], ...] }].
  function lineChart(container, series, opts) {
    container.textContent = '';
    series = series.filter(function (s) { return s.points.length > 0; });
    if (series.length === 0) return empty(container, 'No samples were taken (the run ended before the first one).');
    var W = 780, H = 300, L = 60, R = 120, T = 14, B = 42;
    var xMax = 0, yMax = 0;
    series.forEach(function (s) { s.points.forEach(function (p) { xMax = Math.max(xMax, p[0]); yMax = Math.max(yMax, p[1]); }); });
    var xt = ticks(xMax, 8), yt = ticks(yMax, 5);
    xMax = xt[xt.length - 1]; yMax = yt[yt.length - 1];
    var sx = function (x) { return L + (x / xMax) * (W - L - R); };
    var sy = function (y) { return H - B - (y / yMax) * (H - T - B); };
    var svg = node('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'chart', role: 'img', 'aria-label': opts.title }, container);
    var grid = node('g', { class: 'grid' }, svg);
    yt.forEach(function (v) {
      node('line', { x1: L, x2: W - R, y1: sy(v), y2: sy(v) }, grid);
      write(grid, L - 6, sy(v) + 4, String(v), { 'text-anchor': 'end' });
    });
    xt.forEach(function (v) {
      node('line', { x1: sx(v), x2: sx(v), y1: T, y2: H - B, class: 'minor' }, grid);
      write(grid, sx(v), H - B + 16, String(v), { 'text-anchor': 'middle' });
    });
    write(svg, (L + W - R) / 2, H - 6, opts.xLabel, { 'text-anchor': 'middle', class: 'axis-label' });
    write(svg, 14, (T + H - B) / 2, opts.yLabel, { 'text-anchor': 'middle', class: 'axis-label', transform: 'rotate(-90 14 ' + (T + H - B) / 2 + ')' });
    var lines = node('g', { class: 'series' }, svg);
    series.forEach(function (s, i) {
      var pts = s.points.map(function (p) { return sx(p[0]).toFixed(1) + ',' + sy(p[1]).toFixed(1); }).join(' ');
      var line = node('polyline', { points: pts, fill: 'none', stroke: s.colour, 'stroke-width': 2, 'data-label': s.label }, lines);
      var tip = node('title', {}, line);
      tip.textContent = s.label;
      var ly = T + 8 + i * 18;
      node('line', { x1: W - R + 12, x2: W - R + 32, y1: ly, y2: ly, stroke: s.colour, 'stroke-width': 3 }, svg);
      write(svg, W - R + 38, ly + 4, s.label, { class: 'legend' });
    });
  }

  // Horizontal bars: bars = [{ label, value, colour, note }].
  function barChart(container, bars, opts) {
    container.textContent = '';
    if (bars.length === 0) return empty(container, 'No per-worker figures.');
    var W = 780, row = 26, L = 90, R = 150, T = 8;
    var H = T * 2 + bars.length * row + 24;
    var max = Math.max.apply(null, bars.map(function (b) { return b.value; }).concat([1]));
    var xt = ticks(max, 6);
    max = xt[xt.length - 1];
    var sx = function (v) { return L + (v / max) * (W - L - R); };
    var svg = node('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'chart', role: 'img', 'aria-label': opts.title }, container);
    var grid = node('g', { class: 'grid' }, svg);
    xt.forEach(function (v) {
      node('line', { x1: sx(v), x2: sx(v), y1: T, y2: H - 24, class: 'minor' }, grid);
      write(grid, sx(v), H - 8, String(v), { 'text-anchor': 'middle' });
    });
    bars.forEach(function (b, i) {
      var y = T + i * row;
      write(svg, L - 8, y + row / 2 + 4, b.label, { 'text-anchor': 'end', class: 'legend' });
      var rect = node('rect', { x: L, y: y + 4, width: Math.max(1, sx(b.value) - L), height: row - 8, fill: b.colour, class: 'bar' }, svg);
      node('title', {}, rect).textContent = b.label + ': ' + b.value;
      write(svg, sx(b.value) + 6, y + row / 2 + 4, String(b.value) + (b.note ? '  ' + b.note : ''), { class: 'legend' });
    });
  }

  // Lanes of segments over time: lanes = [{ label, segments: [{ start, end, colour, title, text }] }].
  function timeline(container, lanes, endS) {
    container.textContent = '';
    var W = 780, row = 30, L = 90, R = 20, T = 8;
    var H = T + lanes.length * row + 34;
    var xt = ticks(endS, 8);
    var xMax = xt[xt.length - 1];
    var sx = function (x) { return L + (x / xMax) * (W - L - R); };
    var svg = node('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'chart', role: 'img', 'aria-label': 'timeline' }, container);
    var grid = node('g', { class: 'grid' }, svg);
    xt.forEach(function (v) {
      node('line', { x1: sx(v), x2: sx(v), y1: T, y2: H - 34, class: 'minor' }, grid);
      write(grid, sx(v), H - 18, String(v), { 'text-anchor': 'middle' });
    });
    write(svg, (L + W - R) / 2, H - 2, 'seconds since start', { 'text-anchor': 'middle', class: 'axis-label' });
    lanes.forEach(function (lane, i) {
      var y = T + i * row;
      write(svg, L - 8, y + row / 2 + 4, lane.label, { 'text-anchor': 'end', class: 'legend' });
      lane.segments.forEach(function (s) {
        var x0 = sx(s.start), x1 = Math.max(sx(s.end), x0 + 2);
        var rect = node('rect', { x: x0, y: y + 4, width: x1 - x0, height: row - 8, fill: s.colour, rx: 3, class: 'segment' }, svg);
        node('title', {}, rect).textContent = s.title;
        if (s.text && x1 - x0 > s.text.length * 7) write(svg, (x0 + x1) / 2, y + row / 2 + 4, s.text, { 'text-anchor': 'middle', class: 'segment-text' });
      });
    });
  }

  var METRICS = { uss: 'private memory (USS)', pss: 'proportional memory (PSS)', rss: 'resident memory (RSS)' };
  function drawMemory(metric) {
    var series = groupBy(data.memory, 'index').map(function (g) {
      return { label: label(g[0]), colour: colour(g[0]), points: g[1].map(function (m) { return [m.tMs / 1000, m[metric]]; }) };
    });
    lineChart(document.getElementById('memory-chart'), series, { title: METRICS[metric], xLabel: 'seconds since start', yLabel: 'MiB' });
    document.querySelectorAll('#memory-metric button').forEach(function (b) { b.setAttribute('aria-pressed', String(b.dataset.metric === metric)); });
  }
  document.querySelectorAll('#memory-metric button').forEach(function (b) {
    b.addEventListener('click', function () { drawMemory(b.dataset.metric); });
  });
  drawMemory('uss');

  var progress = groupBy(data.workerSamples, 'index').map(function (g) {
    return { label: label(g[0]), colour: colour(g[0]), points: g[1].map(function (w) { return [w.tMs / 1000, w.done]; }) };
  });
  lineChart(document.getElementById('events-chart'), progress, { title: 'events over time', xLabel: 'seconds since start', yLabel: 'events done' });

  var bars;
  if (data.workers.length > 0) {
    var total = data.workers.reduce(function (n, w) { return n + w.processed; }, 0) || 1;
    bars = data.workers.map(function (w) {
      return { label: label(w.index), value: w.processed, colour: colour(w.index), note: (100 * w.processed / total).toFixed(1) + '%' };
    });
    if (data.multiProcess && data.multiProcess.masterEvents > 0) bars.unshift({ label: 'master', value: data.multiProcess.masterEvents, colour: colour(-1), note: 'before fork' });
  } else {
    bars = groupBy(data.workerSamples, 'index').map(function (g) {
      return { label: label(g[0]), value: g[1][g[1].length - 1].done, colour: colour(g[0]) };
    });
  }
  barChart(document.getElementById('workers-chart'), bars, { title: 'events per worker' });

  var PHASE_COLOURS = { 'set-up': '#9aa5b1', events: '#2e7d32', master: '#6a1b9a', workers: '#1565c0', finalize: '#ef6c00' };
  var endS = data.wallMs / 1000;
  var lanes = [{ label: 'job', segments: data.phases.map(function (p) {
    return { start: p.startMs / 1000, end: p.endMs / 1000, colour: PHASE_COLOURS[p.name] || '#888', text: p.name,
      title: p.name + ': ' + (p.startMs / 1000).toFixed(2) + ' s to ' + (p.endMs / 1000).toFixed(2) + ' s' };
  }) }];
  groupBy(data.workerSamples, 'index').forEach(function (g) {
    var segments = groupBy(g[1], 'pid').map(function (p) {
      var rows = p[1];
      return { start: rows[0].tMs / 1000, end: rows[rows.length - 1].tMs / 1000, colour: colour(g[0]), text: 'pid ' + p[0],
        title: label(g[0]) + ', pid ' + p[0] + ': ' + rows[rows.length - 1].done + ' events' };
    }).sort(function (a, b) { return a.start - b.start; });
    lanes.push({ label: label(g[0]), segments: segments });
  });
  timeline(document.getElementById('timeline-chart'), lanes, endS);

  document.body.dataset.rendered = 'true';
})();
`;
