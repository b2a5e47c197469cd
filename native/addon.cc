// Entry point of the addon: flat exports, no global state. Policy lives in TypeScript.
#include "common.h"

#include <node_version.h>

namespace cowloop {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // The addon reaches Node's platform through node.h, whose classes change layout between
  // releases, yet Node-API modules load into any release without a version check. The
  // loader compares this with process.versions.modules before calling anything.
  exports.Set("abi", Napi::Number::New(env, NODE_MODULE_VERSION));
  exports.Set("builtFor", Napi::String::New(env, NODE_VERSION_STRING));
  exports.Set("interfaceVersion", Napi::Number::New(env, kInterfaceVersion));
#ifdef COWLOOP_UNSUPPORTED_PLATFORM
  exports.Set("supported", Napi::Boolean::New(env, false));
#else
  exports.Set("supported", Napi::Boolean::New(env, true));
  InitFork(env, exports);
  InitHugePages(env, exports);
  InitReap(env, exports);
  InitSharedMemory(env, exports);
#endif
  return exports;
}

}  // namespace cowloop

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  return cowloop::Init(env, exports);
}

NODE_API_MODULE(cowloop, InitAddon)
