// Compile-time checks of the public API as users import it (ESM, by package name).
// Compiled by test/types-public-api.test.mjs with tsc --noEmit; nothing here runs.
import {
  fork,
  forkSafety,
  onChildFork,
  sharedMemory,
  collectGarbage,
  memoryUsage,
  createApplication,
  Algorithm,
  prop,
  Job,
  JobGroup,
  ParallelJobProcessor,
  Pool,
  CowloopError,
  EventLoopMgr,
  type EventProcessor,
  type ForkedChild,
  type ChildContext,
  type ChildExit,
} from 'cowloop';

async function checks(): Promise<void> {
  const child: ForkedChild<number> = await fork((ctx: ChildContext) => ctx.index * 2, { title: 'cowloop: worker 0', cpus: [0] });
  const n: number = await child.result;
  const exit: ChildExit = await child.exited;
  const code: number | null = exit.code;
  child.on('message', (m: unknown) => void m);
  child.send({ any: 'data' });
  child.kill('SIGTERM');
  // A child's result type follows main's return type, promises unwrapped.
  const later: ForkedChild<string> = await fork(async () => 'text');
  const s: string = await later.result;
  // @ts-expect-error the result is a number, not a string
  const wrong: string = await child.result;

  onChildFork(() => {});
  const safety = forkSafety();
  const ok: boolean = safety.ok;
  const problems: string[] = safety.problems;
  const counter = new Int32Array(sharedMemory(4096));
  Atomics.add(counter, 0, 1);
  collectGarbage();
  collectGarbage({ thorough: true });
  const mem = memoryUsage();
  const uss: number = mem.uss + mem.pss + mem.rss;

  class Finder extends Algorithm {
    static override properties = { MinHits: prop.int(4, 'minimum hits', { min: 1 }) };
    override execute(): void {}
  }
  const app = createApplication({ options: { ApplicationMgr: { EvtMax: 10 } }, components: [Finder] });
  const summary = await app.run();
  const processed: number = summary.processed;
  // app.eventLoop is the framework's EventProcessor contract; instanceof narrows it to a loop class.
  const loop: EventProcessor = app.eventLoop;
  const stopListening: () => void = loop.onProgress((sample) => void sample.done);
  loop.requestStop();
  const stats: number = loop.algorithmStats().length + (loop.lastResult?.processed ?? 0);
  if (loop instanceof EventLoopMgr) void loop.executeEvent({ number: 0, data: {} });

  const processor = new ParallelJobProcessor({ workers: 2 });
  processor.submit(new JobGroup({ name: 'g', jobs: [new Job({ name: 'j', workFunction: () => 1, workFunctionTimeout: 10 })] }));
  const results: unknown[] = await processor.getResults();
  await processor.close();
  const doubled = await new Pool().map((x: number) => x * 2, [1, 2, 3]);

  const e = new CowloopError('ERR_COWLOOP_INVALID_ARGUMENT', 'message');
  const errorCode: string = e.code;
  void [n, code, s, wrong, ok, problems, uss, processed, stopListening, stats, results, doubled, errorCode];
}
void checks;
