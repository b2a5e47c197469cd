// Telling what a mapping holds from its smaps header and VmFlags. The rules, and how far
// they can be trusted, are described in docs/memory.md ("How mappings are classified").
import type { MappingKind } from './types.js';

/** What the classifier needs of one mapping. `flags` is the VmFlags text, space-padded. */
export interface MappingHeader {
  start: number;
  end: number;
  /** `rwxp` / `r--s` ...: the fourth letter tells private (p) from shared (s). */
  perms: string;
  /** File path, `[heap]`-style name, or empty for anonymous memory. */
  path: string;
  flags: string;
}

export interface Verdict {
  kind: MappingKind;
  /** Why an anonymous mapping was put where it was (for HeapEvidence). */
  evidence?: 'dontfork' | 'noreserve' | 'placement' | 'arena';
}

// glibc reserves each malloc arena as one HEAP_MAX_SIZE block (64 MiB on 64-bit Linux),
// aligned to its size, with MAP_NORESERVE, and makes the used part read-write.
const ARENA_BYTES = 64 * 1024 * 1024;

// V8 maps its pages in 256 KiB-aligned blocks at random hint addresses below 2^46 on
// x86-64; the kernel puts malloc's own mmaps (and everything else without a hint) just
// below the stack, near 2^47.
const V8_PAGE_BYTES = 256 * 1024;
const V8_HINT_LIMIT = 2 ** 46;

function hasFlag(flags: string, flag: string): boolean {
  return flags.includes(` ${flag} `);
}

function isAnonymous(path: string): boolean {
  return path.length === 0 || path.startsWith('[anon:');
}

const KERNEL_NAMES = new Set(['[vdso]', '[vvar]', '[vvar_vclock]', '[vsyscall]', '[uprobes]']);

export function classifyMapping(m: MappingHeader, next: MappingHeader | undefined): Verdict {
  if (m.perms[3] === 's') return { kind: 'shm' };
  if (m.path.startsWith('/')) return { kind: m.perms[2] === 'x' ? 'code' : 'file' };
  if (m.path === '[heap]') return { kind: 'external' };
  if (m.path === '[stack]') return { kind: 'stack' };
  if (KERNEL_NAMES.has(m.path)) return { kind: 'kernel' };
  if (!isAnonymous(m.path)) return { kind: 'external' };
  // V8 maps its pages with MADV_DONTFORK: certain, until a fork preparation clears it.
  if (hasFlag(m.flags, 'dc')) return { kind: 'v8Heap', evidence: 'dontfork' };
  // V8 maps its pages MAP_NORESERVE; malloc's own mmaps (large ArrayBuffer stores) are
  // accounted (VmFlags `ac`) instead. glibc's arenas are MAP_NORESERVE too: tell them by
  // their 64 MiB alignment and the PROT_NONE reserve that fills the rest of the block.
  if (hasFlag(m.flags, 'nr')) {
    if (isMallocArena(m, next)) return { kind: 'external', evidence: 'arena' };
    return { kind: 'v8Heap', evidence: 'noreserve' };
  }
  // From V8 13 (Node 24) the heap is accounted memory like malloc's, so once a fork
  // preparation has cleared `dc` only where V8 placed it tells it apart.
  if (m.start % V8_PAGE_BYTES === 0 && m.start < V8_HINT_LIMIT) return { kind: 'v8Heap', evidence: 'placement' };
  return { kind: 'external' };
}

function isMallocArena(m: MappingHeader, next: MappingHeader | undefined): boolean {
  if (m.start % ARENA_BYTES !== 0) return false;
  if (m.end - m.start === ARENA_BYTES) return true;
  return (
    next !== undefined &&
    next.start === m.end &&
    next.perms.startsWith('---') &&
    next.end - m.start === ARENA_BYTES
  );
}

/** The PROT_NONE rest of an arena's 64 MiB block, right after the arena's used part. */
export function isArenaReserve(m: MappingHeader, arenaEnd: number): boolean {
  return m.start === arenaEnd && m.perms.startsWith('---') && isAnonymous(m.path);
}
