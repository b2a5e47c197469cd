/* The kernel's own cost of fork() on this machine, without Node.js: a process with
 * <MiB> of written anonymous memory forks <repeat> times (each child _exits at once and is
 * reaped before the next fork) and prints the duration of each fork() call in ms, one JSON
 * array. With "huge", the memory is madvise(MADV_HUGEPAGE)d first, so that the kernel can
 * map it with 2 MiB pages and copy one page-table entry per 2 MiB.
 *
 * With a fourth argument "cpu", the CPU time each fork() call took is printed instead: on a
 * loaded machine the wall time includes waiting for a core, the CPU time does not.
 *
 *   cc -O2 -o /tmp/kernel-floor benchmarks/fork-latency/kernel-floor.c
 *   /tmp/kernel-floor 1024 small 21 [cpu]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static clockid_t clock_used = CLOCK_MONOTONIC;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(clock_used, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char** argv) {
  if (argc != 4 && !(argc == 5 && strcmp(argv[4], "cpu") == 0)) {
    fprintf(stderr, "usage: %s <MiB> small|huge <repeat> [cpu]\n", argv[0]);
    return 2;
  }
  if (argc == 5) clock_used = CLOCK_THREAD_CPUTIME_ID;
  size_t bytes = (size_t)atol(argv[1]) << 20;
  int huge = strcmp(argv[2], "huge") == 0;
  int repeat = atoi(argv[3]);
  char* memory = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) {
    perror("mmap");
    return 1;
  }
  if (huge && madvise(memory, bytes, MADV_HUGEPAGE) != 0) perror("madvise(MADV_HUGEPAGE)");
  memset(memory, 1, bytes);
  printf("[");
  for (int i = 0; i < repeat; i++) {
    double start = now_ms();
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    double took = now_ms() - start;
    if (pid < 0) {
      perror("fork");
      return 1;
    }
    waitpid(pid, NULL, 0);
    printf("%s%.3f", i ? "," : "", took);
  }
  printf("]\n");
  return 0;
}
