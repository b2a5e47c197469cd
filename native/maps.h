// Reading /proc/self/maps without allocating: the mappings fork preparation and the huge
// page advice walk over.
#pragma once
#include <cstddef>
#include <cstdint>

namespace cowloop {

struct Mapping {
  uintptr_t start;
  uintptr_t end;
  bool writable;
  bool is_private;
  // Not backed by a file: V8's heap, malloc arenas and [heap], ArrayBuffer stores.
  bool anonymous;
  // [heap], the brk area of malloc's main arena.
  bool brk_heap;
};

// Calls visit(mapping, context) for every line of /proc/self/maps. Reads with plain
// read(2) into a stack buffer, so nothing is allocated between the reading and a fork().
// Returns 0 or the errno of open/read.
int ForEachMapping(void (*visit)(const Mapping&, void*), void* context);

}  // namespace cowloop
