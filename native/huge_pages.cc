// Transparent huge pages for large anonymous mappings: with 2 MiB pages fork() copies one
// page-table entry where it would copy 512. Mechanism only: whether, and from which
// mapping size, is decided in src/process/huge-pages.ts.
#include "common.h"
#include "maps.h"

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25  // Linux 6.1; older headers lack it
#endif

// /proc/self/pagemap's PAGEMAP_SCAN (Linux 6.7), declared here as include/uapi/linux/fs.h
// has it, for headers older than the kernel.
namespace pagemap_scan {
struct PageRegion {
  uint64_t start;
  uint64_t end;
  uint64_t categories;
};
struct ScanArg {
  uint64_t size;
  uint64_t flags;
  uint64_t start;
  uint64_t end;
  uint64_t walk_end;
  uint64_t vec;
  uint64_t vec_len;
  uint64_t max_pages;
  uint64_t category_inverted;
  uint64_t category_mask;
  uint64_t category_anyof_mask;
  uint64_t return_mask;
};
constexpr unsigned long kScan = _IOWR('f', 16, ScanArg);
constexpr uint64_t kPresent = 1 << 3;
constexpr uint64_t kPfnZero = 1 << 5;
constexpr uint64_t kHuge = 1 << 6;
}  // namespace pagemap_scan

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
  double collapsed_bytes = 0;   // ranges MADV_COLLAPSE succeeded on (this call)
  unsigned refused = 0;         // madvise refusals (MADV_HUGEPAGE or MADV_COLLAPSE)
  int collapse_errno = 0;       // the first MADV_COLLAPSE error (EINVAL: kernel before 6.1)
  int pagemap = -1;             // /proc/self/pagemap, or -1: no PAGEMAP_SCAN, use mincore()
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

// Collapses the 2 MiB blocks inside [from, to): the whole blocks of a range known to be
// resident in small pages.
void CollapseWholeBlocks(uintptr_t from, uintptr_t to, HugeStats* stats) {
  Collapse((from + kHugePage - 1) & ~(kHugePage - 1), to & ~(kHugePage - 1), stats);
}

// With PAGEMAP_SCAN: asks the kernel for the ranges of [start, end) resident in small pages
// (written: the shared zero page does not count) and collapses the whole blocks in them.
// Blocks already huge are not touched, so a second call costs little. False when the
// kernel has no PAGEMAP_SCAN.
bool CollapseByPagemap(uintptr_t start, uintptr_t end, HugeStats* stats) {
  using namespace pagemap_scan;
  PageRegion regions[256];
  uintptr_t run_start = 0;
  uintptr_t run_end = 0;
  for (uintptr_t cursor = start; cursor < end;) {
    ScanArg arg{};
    arg.size = sizeof(arg);
    arg.start = cursor;
    arg.end = end;
    arg.vec = reinterpret_cast<uintptr_t>(regions);
    arg.vec_len = sizeof(regions) / sizeof(regions[0]);
    arg.category_mask = kPresent | kPfnZero;
    arg.category_inverted = kPfnZero;
    arg.return_mask = kHuge;
    int n = ioctl(stats->pagemap, kScan, &arg);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (cursor == start) return false;
      break;
    }
    for (int i = 0; i < n; ++i) {
      const PageRegion& r = regions[i];
      if (r.categories & kHuge) continue;  // a gap in the run of small pages, below
      if (r.start != run_end) {
        CollapseWholeBlocks(run_start, run_end, stats);
        run_start = r.start;
      }
      run_end = r.end;
    }
    if (arg.walk_end <= cursor) break;
    cursor = arg.walk_end;
  }
  CollapseWholeBlocks(run_start, run_end, stats);
  return true;
}

// Without PAGEMAP_SCAN: collapses the 2 MiB blocks of [start, end) whose every small page is
// resident by mincore(), already huge or not. Neighbouring blocks go in one call.
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
  // malloc's [heap] is written all the time: its huge pages would be split again by the
  // next write after a fork (large allocations are mappings of their own anyway).
  if (!m.anonymous || m.brk_heap || !m.writable || !m.is_private) return;
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
  if (!stats->collapse) return;
  if (stats->pagemap >= 0 && CollapseByPagemap(start, end, stats)) return;
  CollapseResident(start, end, stats);
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
  if (stats.collapse) stats.pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  int err = ForEachMapping(AdviseMapping, &stats);
  if (stats.pagemap >= 0) close(stats.pagemap);
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
