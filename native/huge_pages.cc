// Transparent huge pages for large anonymous mappings: with 2 MiB pages fork() copies one
// page-table entry where it would copy 512. Mechanism only: whether, and from which
// mapping size, is decided in src/process/huge-pages.ts.
#include "common.h"
#include "maps.h"

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25  // Linux 6.1; older headers lack it
#endif

namespace cowloop {

namespace {

constexpr uintptr_t kHugePage = uintptr_t{2} << 20;
// mincore() is asked about this much at a time: one byte per 4 KiB page on the stack.
constexpr uintptr_t kResidencyWindow = uintptr_t{64} << 20;

struct HugeStats {
  uintptr_t min_bytes = 0;
  bool advise = false;
  bool collapse = false;
  long page_size = 4096;
  unsigned mappings = 0;        // mappings large enough
  double eligible_bytes = 0;    // their 2 MiB-aligned bytes
  double collapsed_bytes = 0;   // ranges MADV_COLLAPSE succeeded on
  unsigned refused = 0;         // madvise refusals (MADV_HUGEPAGE or MADV_COLLAPSE)
  int collapse_errno = 0;       // the first MADV_COLLAPSE error (EINVAL: kernel before 6.1)
};

void Collapse(uintptr_t from, uintptr_t to, HugeStats* stats) {
  if (from >= to) return;
  if (madvise(reinterpret_cast<void*>(from), to - from, MADV_COLLAPSE) == 0) {
    stats->collapsed_bytes += static_cast<double>(to - from);
  } else {
    stats->refused++;
    if (stats->collapse_errno == 0) stats->collapse_errno = errno;
  }
}

// Collapses the 2 MiB blocks of [start, end) whose every small page is resident: those
// become huge pages at no cost in memory (a block with holes would be filled with zeros).
// Neighbouring blocks go to the kernel in one call.
void CollapseResident(uintptr_t start, uintptr_t end, HugeStats* stats) {
  unsigned char resident[kResidencyWindow / 4096];
  const uintptr_t pages_per_block = kHugePage / static_cast<uintptr_t>(stats->page_size);
  uintptr_t run = start;  // start of the current run of fully resident blocks
  for (uintptr_t window = start; window < end; window += kResidencyWindow) {
    uintptr_t limit = window + kResidencyWindow < end ? window + kResidencyWindow : end;
    if (mincore(reinterpret_cast<void*>(window), limit - window, resident) != 0) {
      Collapse(run, window, stats);
      run = limit;
      continue;
    }
    for (uintptr_t block = window; block < limit; block += kHugePage) {
      const unsigned char* pages = resident + (block - window) / stats->page_size;
      bool full = true;
      for (uintptr_t i = 0; i < pages_per_block && full; ++i) full = (pages[i] & 1) != 0;
      if (!full) {
        Collapse(run, block, stats);
        run = block + kHugePage;
      }
    }
  }
  Collapse(run, end, stats);
}

void AdviseMapping(const Mapping& m, void* context) {
  auto* stats = static_cast<HugeStats*>(context);
  if (!m.anonymous || !m.writable || !m.is_private) return;
  uintptr_t start = (m.start + kHugePage - 1) & ~(kHugePage - 1);
  uintptr_t end = m.end & ~(kHugePage - 1);
  if (end <= start || end - start < stats->min_bytes) return;
  // The whole mapping, so the kernel does not split it into several.
  if (stats->advise && madvise(reinterpret_cast<void*>(m.start), m.end - m.start, MADV_HUGEPAGE) != 0) {
    stats->refused++;
    return;
  }
  stats->mappings++;
  stats->eligible_bytes += static_cast<double>(end - start);
  if (stats->collapse) CollapseResident(start, end, stats);
}

// hugePages(minBytes, advise, collapse) -> { mappings, eligibleBytes, collapsedBytes,
// refused, collapseErrno, ns }: over the private writable anonymous mappings with at least
// minBytes of 2 MiB-aligned memory, with advise: madvise(MADV_HUGEPAGE) (later faults there
// take huge pages, and khugepaged, which scans a few MiB per ten seconds, may collapse
// them); with collapse: turns their fully resident 2 MiB blocks into huge pages now
// (MADV_COLLAPSE, Linux 6.1+).
Napi::Value HugePages(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  HugeStats stats;
  size_t min_bytes = 0;
  if (!ArgSize(info, 0, "hugePages", "minBytes", &min_bytes) || !ArgBoolean(info, 1, "hugePages", "advise", &stats.advise) ||
      !ArgBoolean(info, 2, "hugePages", "collapse", &stats.collapse)) {
    return env.Undefined();
  }
  stats.min_bytes = min_bytes;
  stats.page_size = sysconf(_SC_PAGESIZE);
  auto t0 = std::chrono::steady_clock::now();
  int err = ForEachMapping(AdviseMapping, &stats);
  if (err != 0) return ThrowSystemError(env, err, "open /proc/self/maps");
  double ns = static_cast<double>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
  Napi::Object out = Napi::Object::New(env);
  out.Set("mappings", Napi::Number::New(env, stats.mappings));
  out.Set("eligibleBytes", Napi::Number::New(env, stats.eligible_bytes));
  out.Set("collapsedBytes", Napi::Number::New(env, stats.collapsed_bytes));
  out.Set("refused", Napi::Number::New(env, stats.refused));
  out.Set("collapseErrno", Napi::Number::New(env, stats.collapse_errno));
  out.Set("ns", Napi::Number::New(env, ns));
  return out;
}

}  // namespace

void InitHugePages(Napi::Env env, Napi::Object exports) {
  exports.Set("hugePages", Napi::Function::New(env, HugePages, "hugePages"));
}

}  // namespace cowloop
