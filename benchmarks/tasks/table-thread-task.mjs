// A tinypool / piscina worker for the memory benchmark: every worker thread has its own
// V8 heap, so it must build its own copy of the table before it can run a task.
import { buildTable, scanSlice } from './table.mjs';

const rows = buildTable(Number(process.env.COWLOOP_BENCH_TABLE_MIB ?? 300));

export default function scan({ k, n }) {
  return scanSlice(rows, k, n);
}
