/* What a transparent huge page costs a forked child that writes to it, without Node.js.
 * A process writes <MiB> of anonymous memory in one mapping (madvise(MADV_HUGEPAGE)d before
 * with "huge"; written in small pages and then collapsed into huge ones with
 * madvise(MADV_COLLAPSE), timed, with "collapse"; left alone with "small"), forks once, and the child writes one byte into each of
 * <writes> distinct 2 MiB-aligned blocks. The child reports, as one JSON object: the fork()
 * time, the time of its first write and the median of the others (each a copy-on-write
 * fault), and the mapping's Rss, Private_Dirty and AnonHugePages from its own
 * /proc/self/smaps before and after the writes; the parent's AnonHugePages after the child
 * wrote tells whether the parent kept its huge pages.
 *
 *   cc -O2 -o /tmp/thp-cow benchmarks/fork-latency/thp-cow.c
 *   /tmp/thp-cow 1024 huge 64
 */
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HUGE_PAGE (2UL << 20)

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

struct vma_kib {
  long rss, private_dirty, anon_huge;
};

/* The smaps fields of the mapping that starts at `start`, in KiB. */
static struct vma_kib smaps_of(void* start) {
  struct vma_kib out = {-1, -1, -1};
  char want[32];
  snprintf(want, sizeof want, "%lx-", (unsigned long)start);
  FILE* f = fopen("/proc/self/smaps", "r");
  if (!f) return out;
  char line[512];
  int inside = 0;
  while (fgets(line, sizeof line, f)) {
    /* Mapping headers start with a lower-case hex address, field names with a capital. */
    int header = (line[0] >= '0' && line[0] <= '9') || (line[0] >= 'a' && line[0] <= 'f');
    if (header) {
      if (inside) break;
      inside = strncmp(line, want, strlen(want)) == 0;
      continue;
    }
    if (!inside) continue;
    sscanf(line, "Rss: %ld kB", &out.rss);
    sscanf(line, "Private_Dirty: %ld kB", &out.private_dirty);
    sscanf(line, "AnonHugePages: %ld kB", &out.anon_huge);
  }
  fclose(f);
  return out;
}

static int cmp_double(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s <MiB> small|huge|collapse <writes>\n", argv[0]);
    return 2;
  }
  size_t bytes = (size_t)atol(argv[1]) << 20;
  int huge = strcmp(argv[2], "huge") == 0;
  int collapse = strcmp(argv[2], "collapse") == 0;
  int writes = atoi(argv[3]);
  if (writes < 2 || (size_t)writes > bytes / HUGE_PAGE) {
    fprintf(stderr, "writes must be 2 .. %zu\n", bytes / HUGE_PAGE);
    return 2;
  }
  /* Over-allocate so the region can start on a 2 MiB boundary. */
  char* raw = mmap(NULL, bytes + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) {
    perror("mmap");
    return 1;
  }
  char* memory = (char*)(((unsigned long)raw + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1));
  if (memory != raw) munmap(raw, memory - raw);
  munmap(memory + bytes, (raw + bytes + HUGE_PAGE) - (memory + bytes));
  if (huge && madvise(memory, bytes, MADV_HUGEPAGE) != 0) perror("madvise(MADV_HUGEPAGE)");
  memset(memory, 1, bytes);
  double collapse_ms = 0;
  if (collapse) {
    double t = now_ms();
    if (madvise(memory, bytes, MADV_COLLAPSE) != 0) perror("madvise(MADV_COLLAPSE)");
    collapse_ms = now_ms() - t;
  }
  struct vma_kib parent_before = smaps_of(memory);

  int fds[2];
  if (pipe(fds) != 0) {
    perror("pipe");
    return 1;
  }
  double start = now_ms();
  pid_t pid = fork();
  double fork_ms = now_ms() - start;
  if (pid < 0) {
    perror("fork");
    return 1;
  }
  if (pid == 0) {
    struct vma_kib before = smaps_of(memory);
    double* took = malloc(sizeof(double) * writes);
    size_t stride = (bytes / HUGE_PAGE / writes) * HUGE_PAGE;
    for (int i = 0; i < writes; i++) {
      volatile char* p = memory + i * stride + 4096 + 7; /* not the first small page */
      double t = now_ms();
      *p = 2;
      took[i] = now_ms() - t;
    }
    struct vma_kib after = smaps_of(memory);
    double first = took[0];
    qsort(took + 1, writes - 1, sizeof(double), cmp_double);
    dprintf(fds[1],
            "\"child\":{\"firstWriteMs\":%.4f,\"medianWriteMs\":%.4f,\"before\":{\"rssKiB\":%ld,\"privateDirtyKiB\":%ld,"
            "\"anonHugeKiB\":%ld},\"after\":{\"rssKiB\":%ld,\"privateDirtyKiB\":%ld,\"anonHugeKiB\":%ld}}",
            first, took[1 + (writes - 1) / 2], before.rss, before.private_dirty, before.anon_huge, after.rss,
            after.private_dirty, after.anon_huge);
    _exit(0);
  }
  close(fds[1]);
  char child[1024];
  ssize_t n = read(fds[0], child, sizeof child - 1);
  child[n > 0 ? n : 0] = 0;
  struct vma_kib parent_after = smaps_of(memory);
  waitpid(pid, NULL, 0);
  printf("{\"mib\":%s,\"pages\":\"%s\",\"writes\":%d,\"collapseMs\":%.1f,\"forkMs\":%.3f,\"parentBefore\":{\"rssKiB\":%ld,\"anonHugeKiB\":%ld},"
         "\"parentAfterChildWrote\":{\"rssKiB\":%ld,\"anonHugeKiB\":%ld},%s}\n",
         argv[1], argv[2], writes, collapse_ms, fork_ms, parent_before.rss, parent_before.anon_huge,
         parent_after.rss, parent_after.anon_huge, child);
  return 0;
}
