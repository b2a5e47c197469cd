#include "maps.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace cowloop {

namespace {

bool IsAnonymous(const char* path, size_t len) {
  if (len == 0) return true;
  if (path[0] == '/') return false;
  // [heap] and [anon:name] are ordinary anonymous memory; [stack], [vdso], [vvar] and
  // [vsyscall] are special and are inherited (or refused) by the kernel on its own.
  if (len >= 6 && std::strncmp(path, "[heap]", 6) == 0) return true;
  if (len >= 6 && std::strncmp(path, "[anon:", 6) == 0) return true;
  return false;
}

void VisitLine(const char* line, size_t len, void (*visit)(const Mapping&, void*), void* context) {
  // Format: start-end perms offset dev inode [path]
  char* end = nullptr;
  unsigned long start = std::strtoul(line, &end, 16);
  if (end == nullptr || *end != '-') return;
  unsigned long stop = std::strtoul(end + 1, &end, 16);
  const char* p = end;
  const char* limit = line + len;
  while (p < limit && *p == ' ') ++p;
  const char* perms = p;
  // Skip perms, offset, dev and inode; what remains (after spaces) is the path.
  for (int field = 0; field < 4 && p < limit; ++field) {
    while (p < limit && *p == ' ') ++p;
    while (p < limit && *p != ' ') ++p;
  }
  while (p < limit && *p == ' ') ++p;
  Mapping m;
  m.start = start;
  m.end = stop;
  m.writable = limit - perms > 3 && perms[1] == 'w';
  m.is_private = limit - perms > 3 && perms[3] == 'p';
  m.anonymous = IsAnonymous(p, static_cast<size_t>(limit - p));
  m.brk_heap = limit - p >= 6 && std::strncmp(p, "[heap]", 6) == 0;
  visit(m, context);
}

}  // namespace

int ForEachMapping(void (*visit)(const Mapping&, void*), void* context) {
  int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  char buf[65536];
  size_t have = 0;
  for (;;) {
    ssize_t n = read(fd, buf + have, sizeof(buf) - have);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      close(fd);
      return err;
    }
    have += static_cast<size_t>(n);
    size_t begin = 0;
    for (size_t i = 0; i < have; ++i) {
      if (buf[i] == '\n') {
        VisitLine(buf + begin, i - begin, visit, context);
        begin = i + 1;
      }
    }
    if (n == 0) {
      if (begin < have) VisitLine(buf + begin, have - begin, visit, context);
      break;
    }
    std::memmove(buf, buf + begin, have - begin);
    have -= begin;
  }
  close(fd);
  return 0;
}

}  // namespace cowloop
