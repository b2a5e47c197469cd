// Shared helpers of the cowloop addon: error construction and the export table.
#pragma once
#include <napi.h>
#include <string>

namespace cowloop {

// The version of the addon's exports. Raise it with every change to what they take or
// return: src/native.ts refuses a build of another version (a clone not rebuilt after an
// update), which would otherwise be called with arguments it ignores.
constexpr int kInterfaceVersion = 2;

// Throws an Error carrying `code` (the errno name), `errno` and `syscall`, as Node's own
// system errors do; TypeScript wraps it into a CowloopError.
Napi::Value ThrowSystemError(Napi::Env env, int err, const char* syscall);

void InitFork(Napi::Env env, Napi::Object exports);
void InitReap(Napi::Env env, Napi::Object exports);
void InitSharedMemory(Napi::Env env, Napi::Object exports);

}  // namespace cowloop
