// fork() for a running Node.js process, and the fix-ups the child needs before it may
// return into JavaScript. Mechanism only: when and whether to fork is decided in
// src/process/.
#include "common.h"
#include "maps.h"

#include <node.h>
#include <uv.h>
#include <v8-platform.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

// Parking the platform's threads below relies on facts measured per release
// (docs/architecture.md, "Node.js releases"). A release not listed must be measured first;
// -DCOWLOOP_UNVERIFIED_NODE builds anyway, for that measurement.
#if !defined(COWLOOP_UNVERIFIED_NODE) && NODE_MAJOR_VERSION != 20 && NODE_MAJOR_VERSION != 22 && \
    NODE_MAJOR_VERSION != 24 && NODE_MAJOR_VERSION != 26
#error "cowloop's fork() is not verified on this Node.js release; see docs/architecture.md"
#endif

namespace cowloop {

namespace {

// ---- Parking Node's platform worker threads across fork() ----
//
// Node's platform threads wait for tasks on one condition variable. fork() copies that
// variable with its waiters recorded but without the threads, and glibc's
// pthread_cond_signal then waits forever for waiters that will never wake: the child hangs
// the first time V8 posts a worker task, which it does even with --single-threaded (a
// mark-compact's ClearNonLiveReferences job, seen in a backtrace). So before fork() every
// platform thread is given a task that blocks on a barrier of ours: at the fork no thread
// waits on the platform's variable, and the child's copy is clean. The parent then releases
// them. The child never touches the barrier.

struct Barrier {
  std::mutex mutex;
  std::condition_variable released_cv;
  bool released = false;
  std::atomic<int> arrived{0};
};

class ParkTask : public v8::Task {
 public:
  explicit ParkTask(std::shared_ptr<Barrier> barrier) : barrier_(std::move(barrier)) {}
  void Run() override {
    barrier_->arrived.fetch_add(1);
    std::unique_lock<std::mutex> lock(barrier_->mutex);
    barrier_->released_cv.wait(lock, [this] { return barrier_->released; });
  }

 private:
  std::shared_ptr<Barrier> barrier_;
};

// Set in a forked child: its platform has no threads left, there is nothing to park.
bool g_forked_child = false;

void Release(const std::shared_ptr<Barrier>& barrier) {
  {
    std::lock_guard<std::mutex> lock(barrier->mutex);
    barrier->released = true;
  }
  barrier->released_cv.notify_all();
}

// Parks every platform worker thread; returns the barrier (null when there is nothing to
// park) or sets *busy when they could not all be parked within the time limit.
std::shared_ptr<Barrier> ParkPlatformThreads(Napi::Env env, bool* busy) {
  *busy = false;
  if (g_forked_child) return nullptr;
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  node::Environment* node_env = node::GetCurrentEnvironment(isolate->GetCurrentContext());
  if (node_env == nullptr) return nullptr;
  node::MultiIsolatePlatform* platform = node::GetMultiIsolatePlatform(node_env);
  if (platform == nullptr) return nullptr;
  int threads = platform->NumberOfWorkerThreads();
  if (threads <= 0) return nullptr;
  auto barrier = std::make_shared<Barrier>();
  for (int i = 0; i < threads; ++i) platform->CallOnWorkerThread(std::make_unique<ParkTask>(barrier));
  // Node counts its delayed-task scheduler thread among the worker threads, and that one
  // never takes tasks: all but one arriving, and staying so for 0.2 ms, is complete.
  auto start = std::chrono::steady_clock::now();
  auto deadline = start + std::chrono::seconds(2);
  std::chrono::steady_clock::time_point all_but_one{};
  for (;;) {
    int arrived = barrier->arrived.load();
    auto now = std::chrono::steady_clock::now();
    if (arrived >= threads) break;
    if (arrived == threads - 1) {
      if (all_but_one == std::chrono::steady_clock::time_point{}) all_but_one = now;
      if (now - all_but_one > std::chrono::microseconds(200)) break;
    }
    if (now > deadline) {
      Release(barrier);
      *busy = true;
      return nullptr;
    }
    std::this_thread::yield();
  }
  (void)env;
  return barrier;
}

struct PrepareStats {
  unsigned mappings = 0;   // anonymous mappings marked MADV_DOFORK
  unsigned failures = 0;   // madvise refusals (special mappings), harmless
  bool second_pass = false;  // marked one by one after a run was refused
  // The current run of anonymous mappings with no other mapping between them.
  uintptr_t run_start = 0;
  uintptr_t run_end = 0;
  unsigned run_mappings = 0;
  bool one_by_one = false;  // a run was refused: mark mapping by mapping instead
};

bool MarkRange(uintptr_t start, uintptr_t end) {
  // Over a run, the kernel applies the advice to every mapping and reports ENOMEM for the
  // gaps between them: the gaps hold nothing to mark.
  return madvise(reinterpret_cast<void*>(start), end - start, MADV_DOFORK) == 0 || errno == ENOMEM;
}

// Marks the run collected so far with one system call instead of one per mapping (V8's
// heap is some 1,600 mappings of 256 KiB at 1 GiB of state). Returns false when the kernel
// refused a mapping in it: it stops at that mapping, so the run must be marked one by one.
bool FlushRun(PrepareStats* stats) {
  if (stats->run_mappings == 0) return true;
  bool ok = MarkRange(stats->run_start, stats->run_end);
  if (ok) stats->mappings += stats->run_mappings;
  stats->run_mappings = 0;
  return ok;
}

void MarkInheritable(const Mapping& m, void* context) {
  auto* stats = static_cast<PrepareStats*>(context);
  if (stats->one_by_one) {
    if (!m.anonymous) return;
    if (MarkRange(m.start, m.end)) {
      stats->mappings++;
    } else {
      stats->failures++;
    }
    return;
  }
  if (!m.anonymous) {
    if (!FlushRun(stats)) stats->one_by_one = true;
    return;
  }
  if (stats->run_mappings == 0) stats->run_start = m.start;
  stats->run_end = m.end;
  stats->run_mappings++;
}

// V8 marks its heap MADV_DONTFORK; a child forked without undoing that has no JS heap.
// /proc/self/maps (not smaps: no page-table walk) is read without allocating, so nothing
// here allocates from V8's heap between marking and fork().
int MakeAnonymousMappingsInheritable(PrepareStats* stats) {
  int err = ForEachMapping(MarkInheritable, stats);
  if (err == 0 && !FlushRun(stats)) stats->one_by_one = true;
  if (err != 0 || !stats->one_by_one) return err;
  // A run held a mapping the kernel refuses (a device's, say): again, one call per mapping.
  stats->mappings = 0;
  stats->second_pass = true;
  return ForEachMapping(MarkInheritable, stats);
}

uint64_t NowNs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::steady_clock::now().time_since_epoch()).count());
}

// CPU time of this thread: on a loaded machine a system call's wall time includes waiting
// for a core, its CPU time does not.
uint64_t ThreadCpuNs() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<uint64_t>(t.tv_sec) * 1000000000u + static_cast<uint64_t>(t.tv_nsec);
}

// fork(deathSignal) -> { pid, self, prepareNs, forkNs, forkCpuNs, mappings }
// In the child pid is 0, the parent-death signal is armed (and the race with a parent that
// died before it was armed is closed), and libuv's loop has been re-made for this process.
Napi::Value Fork(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int32_t death_signal = 0;
  if (!ArgInt32(info, 0, "fork", "deathSignal", &death_signal)) return env.Undefined();

  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
    return ThrowSystemError(env, EINVAL, "napi_get_uv_event_loop", "cannot reach the libuv loop");
  }

  pid_t parent = getpid();
  uint64_t t0 = NowNs();
  bool busy = false;
  std::shared_ptr<Barrier> parked = ParkPlatformThreads(env, &busy);
  if (busy) return ThrowSystemError(env, EBUSY, "fork", "V8's platform worker threads stayed busy for 2 s; not forking");
  PrepareStats stats;
  int err = MakeAnonymousMappingsInheritable(&stats);
  if (err != 0) {
    if (parked) Release(parked);
    return ThrowSystemError(env, err, "open /proc/self/maps");
  }
  uint64_t t1 = NowNs();

  // Signals stay blocked across fork() so none lands in the child before libuv's signal
  // pipe is its own; the child unblocks after uv_loop_fork().
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  uint64_t cpu0 = ThreadCpuNs();
  pid_t pid = fork();
  uint64_t cpu1 = ThreadCpuNs();
  if (pid < 0) {
    int fork_err = errno;
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    if (parked) Release(parked);
    return ThrowSystemError(env, fork_err, "fork");
  }
  if (pid > 0 && parked) Release(parked);
  if (pid == 0) {
    g_forked_child = true;
    if (death_signal > 0) {
      prctl(PR_SET_PDEATHSIG, death_signal);
      // The parent may have died between fork() and prctl(): then nobody would signal us.
      if (getppid() != parent) _exit(128 + death_signal);
    }
    int r = uv_loop_fork(loop);
    if (r != 0) {
      fprintf(stderr, "cowloop: uv_loop_fork failed in child %d: %s\n", getpid(), uv_strerror(r));
      _exit(70);
    }
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  uint64_t t2 = NowNs();

  Napi::Object out = Napi::Object::New(env);
  out.Set("pid", Napi::Number::New(env, pid));
  out.Set("self", Napi::Number::New(env, getpid()));
  out.Set("prepareNs", Napi::Number::New(env, static_cast<double>(t1 - t0)));
  out.Set("forkNs", Napi::Number::New(env, static_cast<double>(t2 - t1)));
  out.Set("forkCpuNs", Napi::Number::New(env, static_cast<double>(pid > 0 ? cpu1 - cpu0 : 0)));
  out.Set("mappings", Napi::Number::New(env, stats.mappings));
  return out;
}

// pipe() -> [readFd, writeFd], both close-on-exec so exec'd programs never hold them.
Napi::Value Pipe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return ThrowSystemError(env, errno, "pipe2");
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, fds[0]));
  out.Set(1u, Napi::Number::New(env, fds[1]));
  return out;
}

// exit(code): leaves at once with _exit(2). Node's own exit path would join platform
// threads that do not exist in a forked child and crash.
Napi::Value Exit(const Napi::CallbackInfo& info) {
  int32_t code = 0;
  if (!ArgInt32(info, 0, "exit", "code", &code)) return info.Env().Undefined();
  fflush(nullptr);
  _exit(code);
  return info.Env().Undefined();
}

// dup2(from, to): points descriptor `to` at what `from` is (a worker's stdout and stderr
// at its log file).
Napi::Value Dup2(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int32_t from = 0;
  int32_t to = 0;
  if (!ArgInt32(info, 0, "dup2", "from", &from) || !ArgInt32(info, 1, "dup2", "to", &to)) return env.Undefined();
  int r;
  do {
    r = dup2(from, to);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return ThrowSystemError(env, errno, "dup2");
  return env.Undefined();
}

// setAffinity([cpu, ...]) pins the calling process.
Napi::Value SetAffinity(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<int32_t> cpus;
  if (!ArgInt32Array(info, 0, "setAffinity", "cpus", &cpus)) return env.Undefined();
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int32_t cpu : cpus) {
    if (cpu >= 0 && cpu < CPU_SETSIZE) CPU_SET(cpu, &set);
  }
  if (sched_setaffinity(0, sizeof(set), &set) != 0) {
    return ThrowSystemError(env, errno, "sched_setaffinity");
  }
  return env.Undefined();
}

// platformThreads() -> the number Node's platform reports as its worker threads (it counts
// its delayed-task scheduler among them); 0 when unknown. Lets the fork-safety check count
// the threads Node itself starts.
Napi::Value PlatformThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  node::Environment* node_env = node::GetCurrentEnvironment(isolate->GetCurrentContext());
  node::MultiIsolatePlatform* platform = node_env ? node::GetMultiIsolatePlatform(node_env) : nullptr;
  return Napi::Number::New(env, platform ? platform->NumberOfWorkerThreads() : 0);
}

// prepareFork() -> { prepareNs, mappings, failures, secondPass }: the preparation alone, for
// measurement.
Napi::Value PrepareFork(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t t0 = NowNs();
  PrepareStats stats;
  int err = MakeAnonymousMappingsInheritable(&stats);
  if (err != 0) return ThrowSystemError(env, err, "open /proc/self/maps");
  Napi::Object out = Napi::Object::New(env);
  out.Set("prepareNs", Napi::Number::New(env, static_cast<double>(NowNs() - t0)));
  out.Set("mappings", Napi::Number::New(env, stats.mappings));
  out.Set("failures", Napi::Number::New(env, stats.failures));
  out.Set("secondPass", Napi::Boolean::New(env, stats.second_pass));
  return out;
}

}  // namespace

void InitFork(Napi::Env env, Napi::Object exports) {
  exports.Set("fork", Napi::Function::New(env, Fork, "fork"));
  exports.Set("platformThreads", Napi::Function::New(env, PlatformThreads, "platformThreads"));
  exports.Set("prepareFork", Napi::Function::New(env, PrepareFork, "prepareFork"));
  exports.Set("pipe", Napi::Function::New(env, Pipe, "pipe"));
  exports.Set("exit", Napi::Function::New(env, Exit, "exit"));
  exports.Set("dup2", Napi::Function::New(env, Dup2, "dup2"));
  exports.Set("setAffinity", Napi::Function::New(env, SetAffinity, "setAffinity"));
}

}  // namespace cowloop
