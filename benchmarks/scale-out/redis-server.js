'use strict';
// A private redis-server for a benchmark or a test: on a free port of 127.0.0.1 (or a given
// one, to restart on it), no snapshots, append-only persistence when asked, daemonised with
// a pidfile in the caller's own directory and stopped by that pid.
// Also reads what the server itself counts: per-command calls and microseconds
// (INFO commandstats), connections accepted, and the server process's CPU time.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

async function freePort() {
  const s = net.createServer();
  await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise((resolve) => s.close(resolve));
  return port;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(check, what, ms = 10000) {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Why redis-server cannot be started here (not installed), or false. */
function redisMissing() {
  return spawnSync('redis-server', ['--version']).error ? 'redis-server is not installed (apt-get install -y redis-server)' : false;
}

/**
 * Starts redis-server in `dir` (on `port`, or a free one; `appendonly`: its persistence on);
 * returns { url, port, pid, stop, version }.
 */
async function startRedis(dir, { port, appendonly = false, waitMs = 60000 } = {}) {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error) throw new Error(redisMissing());
  port ??= await freePort();
  const pidfile = path.join(dir, 'redis.pid');
  const r = spawnSync('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', appendonly ? 'yes' : 'no', '--daemonize', 'yes', '--pidfile', pidfile, '--dir', dir, '--logfile', path.join(dir, 'redis.log'), '--maxclients', '10000'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`redis-server did not start: ${r.stderr || r.stdout}`);
  await until(() => fs.existsSync(pidfile) && fs.readFileSync(pidfile, 'utf8').trim() !== '', 'the redis pidfile', waitMs);
  const pid = Number(fs.readFileSync(pidfile, 'utf8'));
  const stop = async () => {
    if (!alive(pid)) return;
    process.kill(pid, 'SIGTERM');
    await until(() => !alive(pid), `redis-server ${pid} to exit`, waitMs);
  };
  return { url: `redis://127.0.0.1:${port}`, port, pid, stop, version: probe.stdout.match(/v=(\S+)/)?.[1] ?? '?' };
}

/** CPU time (user + system) of process `pid` so far, in ms. */
function processCpuMs(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; // utime, stime in USER_HZ (100)
}

/** The server's own counts since the last CONFIG RESETSTAT: { commands: {name: {calls, usec}}, connections }. */
async function serverStats(redis) {
  const text = await redis.info('commandstats');
  const commands = {};
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) commands[m[1]] = { calls: Number(m[2]), usec: Number(m[3]) };
  const stats = await redis.info('stats');
  const connections = Number(/total_connections_received:(\d+)/.exec(stats)?.[1] ?? 0);
  return { commands, connections };
}

module.exports = { startRedis, redisMissing, processCpuMs, serverStats, freePort };
