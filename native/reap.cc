// Non-blocking reaping of one child. Only pids cowloop forked are ever waited for:
// waitpid(-1) would steal the children of child_process, which libuv reaps itself.
#include "common.h"

#include <cerrno>
#include <sys/types.h>
#include <sys/wait.h>

namespace cowloop {

namespace {

// waitpid(pid) -> undefined while it runs, else { code, signal } (one of them null).
Napi::Value WaitPid(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int32_t pid = 0;
  if (!ArgInt32(info, 0, "waitpid", "pid", &pid)) return env.Undefined();
  // 0 and negative pids name groups of children, which would include libuv's.
  if (pid <= 0) return ThrowSystemError(env, EINVAL, "waitpid", "only one child, by its positive pid, is waited for");
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return env.Undefined();
  if (r < 0) return ThrowSystemError(env, errno, "waitpid");
  Napi::Object out = Napi::Object::New(env);
  if (WIFEXITED(status)) {
    out.Set("code", Napi::Number::New(env, WEXITSTATUS(status)));
    out.Set("signal", env.Null());
  } else {
    out.Set("code", env.Null());
    out.Set("signal", Napi::Number::New(env, WTERMSIG(status)));
  }
  return out;
}

}  // namespace

void InitReap(Napi::Env env, Napi::Object exports) {
  exports.Set("waitpid", Napi::Function::New(env, WaitPid, "waitpid"));
}

}  // namespace cowloop
