// The table the memory benchmark's tasks read: small JS objects (what a lookup table or a
// calibration map is in a real application), of about the requested number of MiB of V8 heap. A plain typed array would be unfair to the thread pools, which
// could share it through a SharedArrayBuffer; objects they cannot share.

// Measured with node 20: one row costs about 100 bytes of V8 heap (the object, its two
// boxed doubles and its array slot). A fixed row count keeps every copy identical.
const BYTES_PER_ROW = 100;

export function buildTable(mib) {
  const count = Math.round((mib * 2 ** 20) / BYTES_PER_ROW);
  const rows = new Array(count);
  for (let i = 0; i < count; i++) {
    rows[i] = { id: i, run: 7 + (i % 13), energy: (i * 0.618033) % 100, weight: 1 + (i % 7) * 0.125 };
  }
  return rows;
}

/** Reads every row of slice k of n; returns a checksum. */
export function scanSlice(rows, k, n) {
  const from = Math.floor((rows.length * k) / n);
  const to = Math.floor((rows.length * (k + 1)) / n);
  let sum = 0;
  for (let i = from; i < to; i++) {
    const r = rows[i];
    if (r.run !== 9) sum += r.energy * r.weight;
  }
  return sum;
}
