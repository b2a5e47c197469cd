// Shared helpers of the cowloop addon: error construction, argument checks and the export
// table.
#pragma once
#include <napi.h>
#include <cstdint>
#include <string>
#include <vector>

namespace cowloop {

// The version of the addon's exports. Raise it with every change to what they take or
// return: src/native.ts refuses a build of another version (a clone not rebuilt after an
// update), which would otherwise be called with arguments it ignores.
constexpr int kInterfaceVersion = 4;

// Every system error the addon throws goes through here: an Error carrying `code` (libuv's
// name for the errno, as Node's own system errors do), `errno` and `syscall`, with a
// message naming both. `detail` replaces the system's description when given. TypeScript
// wraps it into a CowloopError.
Napi::Value ThrowSystemError(Napi::Env env, int err, const char* syscall, const char* detail = nullptr);

// Argument checks at the boundary: each returns false after throwing a TypeError that names
// the function and the argument, so a wrong call from JavaScript never reaches a crash.
bool ArgInt32(const Napi::CallbackInfo& info, size_t index, const char* function, const char* name, int32_t* out);
bool OptionalInt32(const Napi::CallbackInfo& info, size_t index, const char* function, const char* name, int32_t fallback,
                   int32_t* out);
bool ArgSize(const Napi::CallbackInfo& info, size_t index, const char* function, const char* name, size_t* out);
bool ArgBoolean(const Napi::CallbackInfo& info, size_t index, const char* function, const char* name, bool* out);
bool ArgInt32Array(const Napi::CallbackInfo& info, size_t index, const char* function, const char* name,
                   std::vector<int32_t>* out);

void InitFork(Napi::Env env, Napi::Object exports);
void InitHugePages(Napi::Env env, Napi::Object exports);
void InitReap(Napi::Env env, Napi::Object exports);
void InitSharedMemory(Napi::Env env, Napi::Object exports);

}  // namespace cowloop
