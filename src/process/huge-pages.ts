// Policy for transparent huge pages before a fork: which mappings, and how. fork() copies
// one page-table entry per 2 MiB huge page where it copies 512 for small pages, so a
// parent whose large state lies in huge pages forks faster. A child writing to a shared
// huge page costs 4 KiB of private memory, as with small pages: the kernel splits the
// huge page's entry in the writer and copies the one small page (benchmarks/fork-latency/
// thp-cow.c measures it).
import { native } from '../native.js';

/**
 * Mappings with less 2 MiB-aligned memory than this are left alone: V8's 256 KiB heap pages
 * and small malloc areas cannot hold a huge page, and collapsing costs more than it saves
 * on a few MiB.
 */
export const HUGE_PAGES_MIN_BYTES = 32 * 2 ** 20;

export interface HugePagesResult {
  /** Bytes collapsed by this call (blocks already huge are left alone). */
  collapsedBytes: number;
  /** Time the collapse took, in ms. */
  ms: number;
}

/**
 * Collapses the fully resident 2 MiB blocks of the large anonymous mappings (malloc's
 * [heap] aside) into huge pages (MADV_COLLAPSE). Blocks with pages not yet written are
 * skipped, so the parent's memory does not grow; blocks already huge are skipped too (with
 * PAGEMAP_SCAN, Linux 6.7), so a second call costs about a millisecond. No mapping is
 * advised MADV_HUGEPAGE, so a child's later page faults there still take small pages. A kernel without MADV_COLLAPSE (before Linux 6.1)
 * collapses nothing: then the mappings are advised instead, for khugepaged to collapse in
 * the background.
 */
export function collapseToHugePages(): HugePagesResult {
  const binding = native();
  const outcome = binding.hugePages(HUGE_PAGES_MIN_BYTES, false, true);
  let ns = outcome.ns;
  if (outcome.collapsedBytes === 0 && outcome.collapseErrno !== 0) ns += binding.hugePages(HUGE_PAGES_MIN_BYTES, true, false).ns;
  return { collapsedBytes: outcome.collapsedBytes, ms: ns / 1e6 };
}
