// Shapes of cowloop's memory measurements. Every size is in MiB (2^20 bytes), unrounded.

/** One process's memory, or one slice of it, as the kernel counts pages. */
export interface MemoryUsage {
  /** Resident pages, each counted in full even when other processes map it too. */
  rss: number;
  /** Proportional set size: each resident page divided by the number of processes mapping it. */
  pss: number;
  /** Unique set size: pages only this process maps (privateClean + privateDirty). */
  uss: number;
  sharedClean: number;
  sharedDirty: number;
  privateClean: number;
  privateDirty: number;
  /** Pages of this process that are swapped out. */
  swap: number;
}

/** A MemoryUsage over a group of mappings, with their virtual size and count. */
export interface MemoryBreakdown extends MemoryUsage {
  /** Virtual size of the mappings (reserved, not necessarily resident). */
  size: number;
  /** How many mappings the group holds. */
  mappings: number;
}

/**
 * What a mapping holds, told from /proc/<pid>/smaps alone (see docs/memory.md):
 * - code:     file-backed executable mappings (node, shared libraries, addons)
 * - file:     other file-backed private mappings (read-only data, relocated data, mapped files)
 * - v8Heap:   V8's own pages: the JS heap, its code space and read-only space
 * - external: memory malloc manages outside V8: ArrayBuffer and Buffer stores, node's
 *             and addons' C++ objects ([heap], malloc arenas, malloc's own mmaps)
 * - shm:      shared mappings (MAP_SHARED): cowloop's sharedMemory(), shared files
 * - stack:    the main thread's stack
 * - kernel:   [vdso], [vvar], [vsyscall]
 */
export type MappingKind = 'code' | 'file' | 'v8Heap' | 'external' | 'shm' | 'stack' | 'kernel';

export const MAPPING_KINDS: readonly MappingKind[] = [
  'code',
  'file',
  'v8Heap',
  'external',
  'shm',
  'stack',
  'kernel',
];

/** How the V8 heap was told apart, so a reader can judge how much to trust the split. */
export interface HeapEvidence {
  /** V8 mappings recognised by VmFlags `dc` (MADV_DONTFORK, set by V8 when it maps them). */
  dontforkMappings: number;
  /** V8 mappings recognised only by VmFlags `nr` (MAP_NORESERVE) without `dc`. */
  noreserveMappings: number;
  /** V8 mappings recognised only by where V8 places them (Node 24 on, after a fork). */
  placementMappings: number;
  /** Anonymous MAP_NORESERVE mappings recognised as malloc arenas and counted as external. */
  mallocArenas: number;
}

/** Per-process result of reading /proc/<pid>/smaps. */
export interface SmapsSummary {
  pid: number;
  total: MemoryBreakdown;
  /** File-backed executable mappings. */
  code: MemoryBreakdown;
  /** Everything else: heap, anonymous, file data, shared memory, stack. */
  data: MemoryBreakdown;
  kinds: Record<MappingKind, MemoryBreakdown>;
  evidence: HeapEvidence;
  /** Time spent reading the file (the kernel walks every page table here) and parsing it. */
  timing: { readMs: number; parseMs: number };
}
