// Starts a command as a real process and collects its output; `onStderr(text, child)` sees
// stderr as it comes (to act on a progress line). Resolves when it closes.
import { spawn } from 'node:child_process';

export function spawnCollecting(argv, { cwd, env = {}, onStderr, timeout = 60000 }) {
  const child = spawn(process.execPath, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env }, timeout });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    onStderr?.(stderr, child);
  });
  const done = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr, json: () => JSON.parse(stdout) }));
  });
  return { child, done };
}
