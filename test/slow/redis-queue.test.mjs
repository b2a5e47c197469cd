// A job queued in a real Redis (Debian's redis-server) and processed by two `cowloop work`
// nodes at once: the merged outputs are the serial run's bytes, a second submission adds
// nothing. Skips, saying why, where redis-server is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { bin } from '../helpers/root.mjs';
import { waitFor } from '../helpers/proc.mjs';
import { cowloop, recoJob, recoOpts, sameOutputs } from '../helpers/shard-job.mjs';
import { withDir } from '../helpers/tmp.mjs';

const run = promisify(execFile);
const server = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
const skip = server.error ? 'redis-server is not installed (apt-get install -y redis-server)' : false;

async function freePort() {
  const s = net.createServer();
  await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** Starts redis-server in `dir`; returns its URL and a stop function (by its pid). */
async function startRedis(dir) {
  const port = await freePort();
  const pidfile = path.join(dir, 'redis.pid');
  const r = spawnSync('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--daemonize', 'yes', '--pidfile', pidfile, '--dir', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  await waitFor(() => fs.existsSync(pidfile) && fs.readFileSync(pidfile, 'utf8').trim() !== '');
  const pid = Number(fs.readFileSync(pidfile, 'utf8'));
  const stop = async () => {
    process.kill(pid, 'SIGTERM');
    await waitFor(() => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    });
  };
  return { url: `redis://127.0.0.1:${port}`, stop };
}

test('two cowloop work nodes on a queued reco job: merged outputs byte-identical to serial', { skip, timeout: 300000 }, async () => {
  await withDir(async (dir) => {
    const redis = await startRedis(dir);
    try {
      const set = recoJob(dir, { events: 400 });
      const out = path.join(dir, 'job');
      const submit = cowloop(['submit', 'redis', recoOpts, '--redis', redis.url, '--range-size', '50', '--out', out, ...set], dir);
      assert.equal(submit.status, 0, submit.stderr);
      assert.match(submit.stdout, /queued 8 ranges of events \[0, 400\)/);
      const again = cowloop(['submit', 'redis', recoOpts, '--redis', redis.url, '--range-size', '50', '--out', out, ...set], dir);
      assert.equal(again.status, 0, again.stderr);
      assert.match(again.stdout, /already queued: nothing added/);

      const node = () => run(process.execPath, [bin, 'work', recoOpts, '--redis', redis.url, '--out', out, '--workers', '2', ...set], { cwd: dir, timeout: 240000 });
      const nodes = await Promise.all([node(), node()]);
      const ranges = nodes.map((n) => Number(/cowloop: (\d+) ranges/.exec(n.stderr)?.[1]));
      assert.equal(ranges[0] + ranges[1], 8, nodes.map((n) => n.stderr).join('\n'));
      assert.deepEqual(fs.readdirSync(path.join(out, 'ranges')).sort(), ['0-49', '100-149', '150-199', '200-249', '250-299', '300-349', '350-399', '50-99']);

      const merge = cowloop(['merge', '--job', out], dir);
      assert.equal(merge.status, 0, merge.stderr);
      const serial = cowloop(['run', recoOpts, '-q', '--out', path.join(dir, 'serial'), ...set], dir);
      assert.equal(serial.status, 0, serial.stderr);
      sameOutputs(assert, out, path.join(dir, 'serial'));
    } finally {
      await redis.stop();
    }
  });
});
