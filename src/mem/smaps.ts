// readSmaps(pid): one process's memory split by what its mappings hold, from
// /proc/<pid>/smaps in a single pass over the text. The classification rules live in
// classify.ts; this file only reads, parses and sums.
import { performance } from 'node:perf_hooks';
import { classifyMapping, isArenaReserve, type MappingHeader } from './classify.js';
import { checkPid, noSuchProcess, readProcFile } from './proc.js';
import {
  MAPPING_KINDS,
  type HeapEvidence,
  type MappingKind,
  type MemoryBreakdown,
  type SmapsSummary,
} from './types.js';

const KIB_PER_MIB = 1024;

/** Sums in kB while parsing (integers, exact), turned into MiB once at the end. */
interface Counters {
  size: number;
  rss: number;
  pss: number;
  sharedClean: number;
  sharedDirty: number;
  privateClean: number;
  privateDirty: number;
  swap: number;
  mappings: number;
}

function zero(): Counters {
  return {
    size: 0,
    rss: 0,
    pss: 0,
    sharedClean: 0,
    sharedDirty: 0,
    privateClean: 0,
    privateDirty: 0,
    swap: 0,
    mappings: 0,
  };
}

/** The mapping being parsed: its header, its counters and its VmFlags. */
interface OpenMapping extends MappingHeader {
  counters: Counters;
}

function add(into: Counters, from: Counters): void {
  into.size += from.size;
  into.rss += from.rss;
  into.pss += from.pss;
  into.sharedClean += from.sharedClean;
  into.sharedDirty += from.sharedDirty;
  into.privateClean += from.privateClean;
  into.privateDirty += from.privateDirty;
  into.swap += from.swap;
  into.mappings += from.mappings;
}

function toMiB(c: Counters): MemoryBreakdown {
  return {
    rss: c.rss / KIB_PER_MIB,
    pss: c.pss / KIB_PER_MIB,
    uss: (c.privateClean + c.privateDirty) / KIB_PER_MIB,
    sharedClean: c.sharedClean / KIB_PER_MIB,
    sharedDirty: c.sharedDirty / KIB_PER_MIB,
    privateClean: c.privateClean / KIB_PER_MIB,
    privateDirty: c.privateDirty / KIB_PER_MIB,
    swap: c.swap / KIB_PER_MIB,
    size: c.size / KIB_PER_MIB,
    mappings: c.mappings,
  };
}

/** Reads and summarises /proc/<pid>/smaps (default: this process). */
export function readSmaps(pid: number = process.pid): SmapsSummary {
  checkPid(pid);
  const t0 = performance.now();
  const text = readProcFile(pid, 'smaps');
  const t1 = performance.now();
  // A zombie or a kernel thread has no user memory: its smaps is empty.
  if (text.length === 0) throw noSuchProcess(pid);
  const summary = parseSmaps(text, pid);
  summary.timing.readMs = t1 - t0;
  return summary;
}

const CH_SPACE = 32;
const CH_0 = 48;
const CH_9 = 57;
const CH_A_LOWER = 97;
const CH_F_LOWER = 102;
const CH_I_LOWER = 105;
const CH_W_LOWER = 119;
const CH_C = 67;
const CH_D = 68;
const CH_P = 80;
const CH_R = 82;
const CH_S = 83;
const CH_V = 86;

/**
 * Summarises the text of a /proc/<pid>/smaps file. Exposed so that a file captured
 * elsewhere (a crash report, another machine) can be read the same way.
 */
export function parseSmaps(text: string, pid = 0): SmapsSummary {
  const t0 = performance.now();
  const kinds = Object.fromEntries(MAPPING_KINDS.map((k) => [k, zero()])) as Record<
    MappingKind,
    Counters
  >;
  const evidence: HeapEvidence = { dontforkMappings: 0, noreserveMappings: 0, placementMappings: 0, mallocArenas: 0 };
  let open: OpenMapping | undefined;
  // End of the last malloc arena seen: its PROT_NONE reserve follows it directly.
  let arenaEnd = -1;

  // A mapping is classified when the next header arrives, because telling a malloc arena
  // from a V8 page needs a look at the mapping that follows it.
  const close = (next: MappingHeader | undefined): void => {
    if (!open) return;
    let kind: MappingKind;
    if (isArenaReserve(open, arenaEnd)) {
      kind = 'external';
    } else {
      const verdict = classifyMapping(open, next);
      kind = verdict.kind;
      if (verdict.evidence === 'arena') {
        evidence.mallocArenas++;
        arenaEnd = open.end;
      } else if (verdict.evidence === 'dontfork') {
        evidence.dontforkMappings++;
      } else if (verdict.evidence === 'noreserve') {
        evidence.noreserveMappings++;
      } else if (verdict.evidence === 'placement') {
        evidence.placementMappings++;
      }
    }
    open.counters.mappings = 1;
    add(kinds[kind], open.counters);
    open = undefined;
  };

  const length = text.length;
  let lineStart = 0;
  while (lineStart < length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = length;
    const c = text.charCodeAt(lineStart);
    // Header lines start with a lower-case hex address; field lines with a capital letter.
    if ((c >= CH_0 && c <= CH_9) || (c >= CH_A_LOWER && c <= CH_F_LOWER)) {
      const header = parseHeader(text, lineStart, lineEnd);
      if (header) {
        close(header);
        open = header;
      }
    } else if (open) {
      readField(text, lineStart, lineEnd, open);
    }
    lineStart = lineEnd + 1;
  }
  close(undefined);

  const total = zero();
  const data = zero();
  for (const kind of MAPPING_KINDS) {
    add(total, kinds[kind]);
    if (kind !== 'code') add(data, kinds[kind]);
  }
  const miB = Object.fromEntries(MAPPING_KINDS.map((k) => [k, toMiB(kinds[k])])) as Record<
    MappingKind,
    MemoryBreakdown
  >;
  return {
    pid,
    total: toMiB(total),
    code: miB.code,
    data: toMiB(data),
    kinds: miB,
    evidence,
    timing: { readMs: 0, parseMs: performance.now() - t0 },
  };
}

/** `start-end perms offset dev inode   path` */
function parseHeader(text: string, from: number, to: number): OpenMapping | undefined {
  const dash = text.indexOf('-', from);
  if (dash === -1 || dash > to) return undefined;
  const space = text.indexOf(' ', dash);
  if (space === -1 || space > to) return undefined;
  const start = parseInt(text.slice(from, dash), 16);
  const end = parseInt(text.slice(dash + 1, space), 16);
  const perms = text.slice(space + 1, space + 5);
  // Skip perms, offset, dev and inode; the rest of the line, after spaces, is the path.
  let p = space + 1;
  for (let field = 0; field < 4 && p < to; field++) {
    while (p < to && text.charCodeAt(p) !== CH_SPACE) p++;
    while (p < to && text.charCodeAt(p) === CH_SPACE) p++;
  }
  return { start, end, perms, path: text.slice(p, to), flags: '', counters: zero() };
}

/**
 * `Name:   1234 kB`, or `VmFlags: rd wr mr ...`; only the fields cowloop sums are read.
 * The key is recognised by its length and a letter or two, without cutting it out of the
 * text: this function runs for every line, and a cold (not yet optimised) parse of a
 * large process is the common case for a one-shot command.
 */
function readField(text: string, from: number, to: number, open: OpenMapping): void {
  const colon = text.indexOf(':', from);
  if (colon === -1 || colon > to) return;
  const c = open.counters;
  const first = text.charCodeAt(from);
  switch (colon - from) {
    case 3: // Rss, Pss (not KSM)
      if (first === CH_R) c.rss = readKb(text, colon + 1, to);
      else if (first === CH_P) c.pss = readKb(text, colon + 1, to);
      return;
    case 4: // Size, Swap
      if (first !== CH_S) return;
      if (text.charCodeAt(from + 1) === CH_I_LOWER) c.size = readKb(text, colon + 1, to);
      else if (text.charCodeAt(from + 1) === CH_W_LOWER) c.swap = readKb(text, colon + 1, to);
      return;
    case 7: // VmFlags (not SwapPss)
      // Padded with spaces on both sides so a flag can be found as ` dc `.
      if (first === CH_V) open.flags = `${text.slice(colon + 1, to)} `;
      return;
    case 12: // Shared_Clean, Shared_Dirty
      if (first !== CH_S) return;
      if (text.charCodeAt(from + 7) === CH_C) c.sharedClean = readKb(text, colon + 1, to);
      else if (text.charCodeAt(from + 7) === CH_D) c.sharedDirty = readKb(text, colon + 1, to);
      return;
    case 13: // Private_Clean, Private_Dirty (not ProtectionKey, AnonHugePages, FilePmdMapped)
      if (first !== CH_P) return;
      if (text.charCodeAt(from + 8) === CH_C) c.privateClean = readKb(text, colon + 1, to);
      else if (text.charCodeAt(from + 8) === CH_D) c.privateDirty = readKb(text, colon + 1, to);
      return;
    default:
      return;
  }
}

function readKb(text: string, from: number, to: number): number {
  let value = 0;
  let p = from;
  while (p < to && text.charCodeAt(p) === CH_SPACE) p++;
  for (; p < to; p++) {
    const d = text.charCodeAt(p) - CH_0;
    if (d < 0 || d > 9) break;
    value = value * 10 + d;
  }
  return value;
}
