// A SharedArrayBuffer over MAP_SHARED anonymous memory: unlike V8's own allocation it
// stays one memory across fork(), so Atomics work between the processes.
//
// (and a full garbage collection, which Node-API cannot ask for either)
//
// Node-API cannot create a SharedArrayBuffer over foreign memory, so this one function
// uses V8's API. A napi_value is a v8::Local's slot address (Node's own conversion).
#include "common.h"

#include <v8.h>

#include <cerrno>
#include <sys/mman.h>

namespace cowloop {

namespace {

void Unmap(void* data, size_t length, void* /*deleter_data*/) {
  munmap(data, length);
}

// sharedMemory(bytes[, fd]) -> SharedArrayBuffer (zero-filled; with fd: the file's first
// bytes, which another process can read with pread)
Napi::Value SharedMemory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t bytes = 0;
  int32_t fd = -1;
  if (!ArgSize(info, 0, "sharedMemory", "bytes", &bytes) || !OptionalInt32(info, 1, "sharedMemory", "fd", -1, &fd)) {
    return env.Undefined();
  }
  int flags = fd >= 0 ? MAP_SHARED : MAP_SHARED | MAP_ANONYMOUS;
  void* mem = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, flags, fd, 0);
  if (mem == MAP_FAILED) return ThrowSystemError(env, errno, "mmap");
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  std::shared_ptr<v8::BackingStore> store =
      v8::SharedArrayBuffer::NewBackingStore(mem, bytes, Unmap, nullptr);
  v8::Local<v8::SharedArrayBuffer> buffer = v8::SharedArrayBuffer::New(isolate, std::move(store));
  v8::Local<v8::Value> value = buffer;
  return Napi::Value(env, reinterpret_cast<napi_value>(*value));
}

// collectGarbage(thorough): a full, compacting collection (what V8 does on critical memory
// pressure; thorough: repeated until nothing more is freed), so the
// heap a child inherits is compact and its pages stay shared. Needs no --expose-gc.
Napi::Value CollectGarbage(const Napi::CallbackInfo& info) {
  bool thorough = false;
  if (!ArgBoolean(info, 0, "collectGarbage", "thorough", &thorough)) return info.Env().Undefined();
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  if (thorough) {
    isolate->LowMemoryNotification();  // repeated full GCs until nothing more is freed
  } else {
    isolate->MemoryPressureNotification(v8::MemoryPressureLevel::kCritical);  // one or two
  }
  return info.Env().Undefined();
}

}  // namespace

void InitSharedMemory(Napi::Env env, Napi::Object exports) {
  exports.Set("sharedMemory", Napi::Function::New(env, SharedMemory, "sharedMemory"));
  exports.Set("collectGarbage", Napi::Function::New(env, CollectGarbage, "collectGarbage"));
}

}  // namespace cowloop
