// Order statistics for small samples (nearest-rank percentiles, no interpolation).
'use strict';

function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

const median = (values) => percentile(values, 50);
const min = (values) => (values.length === 0 ? NaN : Math.min(...values));
const max = (values) => (values.length === 0 ? NaN : Math.max(...values));

module.exports = { percentile, median, min, max };
