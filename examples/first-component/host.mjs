// docs/guide.md, "Your first component", run from your own program:
//   node --single-threaded --max-semi-space-size=1 --no-memory-reducer examples/first-component/host.mjs [outDir] [workers]
import { fileURLToPath } from 'node:url';
import { createApplication } from 'cowloop';
import { components } from './components.mjs';

const [outDir = 'first-out', workers = '2'] = process.argv.slice(2);
const app = createApplication({
  options: fileURLToPath(new URL('first.opts', import.meta.url)),
  components, // the classes, registered by their names
  overrides: {
    ApplicationMgr: { OutputDir: outDir, EventLoop: 'MpEventLoopMgr' },
    MpEventLoopMgr: { NWorkers: Number(workers) },
  },
});
const summary = await app.run();
console.log(`${summary.processed} events, ${summary.failed} failed; outputs: ${summary.outputs.join(', ')}`);
