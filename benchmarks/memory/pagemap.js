'use strict';
// Which of a forked worker's resident pages are still the parent's, page by page, from
// /proc/<pid>/pagemap (needs root for page frame numbers). For every resident page of the
// child, at the same virtual address in the parent:
//   shared   - the same physical page (copy-on-write not broken);
//   unshared - the parent has a page there too, but another one, and the child's page is
//              mapped by the child alone (/proc/kpagecount): the child's copy-on-write copy;
//   siblings - the parent has another page, but the child's is still mapped by others:
//              the parent wrote its own copy after the fork, the workers still share theirs;
//   fresh    - the parent has no page there: the child's own new allocation.
// Split into anonymous mappings (V8 heap, malloc, ArrayBuffers) and file-backed ones.
const fs = require('node:fs');

const PAGE = 4096;
const MiB = 1 / 256; // pages -> MiB

function vmas(pid) {
  const out = [];
  for (const line of fs.readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
    if (!line) continue;
    const [range, perms, , , , ...rest] = line.split(/\s+/);
    const name = rest.join(' ');
    if (perms.startsWith('---')) continue; // reservations: never resident
    if (name === '[vsyscall]') continue; // above the user address range pagemap covers
    const [a, b] = range.split('-').map((x) => parseInt(x, 16));
    out.push({ start: a, end: b, kind: name.startsWith('/') ? 'file' : 'anon' });
  }
  return out;
}

function readEntries(fd, start, end) {
  const pages = (end - start) / PAGE;
  const buf = Buffer.alloc(pages * 8);
  const n = fs.readSync(fd, buf, 0, buf.length, (start / PAGE) * 8);
  return n === buf.length ? buf : buf.subarray(0, n);
}

const present = (buf, i) => (buf.readUInt32LE(i * 8 + 4) & 0x80000000) !== 0;
const pfn = (buf, i) => buf.readUInt32LE(i * 8) + (buf.readUInt32LE(i * 8 + 4) & 0x7fffff) * 0x100000000;

/** Page sharing of `childPid` against `parentPid`, in MiB; null when frame numbers or counts are hidden (not root). */
function pageSharing(parentPid, childPid, detail = null) {
  const zero = () => ({ shared: 0, unshared: 0, siblings: 0, fresh: 0 });
  let kfd;
  try {
    kfd = fs.openSync('/proc/kpagecount', 'r');
  } catch {
    return null; // not root: no page frame numbers or counts to compare
  }
  const count = Buffer.alloc(8);
  const mapcount = (frame) => (fs.readSync(kfd, count, 0, 8, frame * 8) === 8 ? count.readUInt32LE(0) : 0);
  const result = { anon: zero(), file: zero() };
  let cfd;
  let pfd;
  try {
    cfd = fs.openSync(`/proc/${childPid}/pagemap`, 'r');
    pfd = fs.openSync(`/proc/${parentPid}/pagemap`, 'r');
  } catch {
    if (cfd !== undefined) fs.closeSync(cfd);
    fs.closeSync(kfd);
    return null;
  }
  let sawPfn = false;
  try {
    for (const v of vmas(childPid)) {
      const c = readEntries(cfd, v.start, v.end);
      const p = readEntries(pfd, v.start, v.end);
      const bucket = result[v.kind];
      for (let i = 0; i * 8 < c.length; i++) {
        if (!present(c, i)) continue;
        const f = pfn(c, i);
        if (f !== 0) sawPfn = true;
        if (i * 8 >= p.length || !present(p, i)) bucket.fresh++;
        else if (pfn(p, i) === f) bucket.shared++;
        else if (mapcount(f) > 1) bucket.siblings++;
        else {
          bucket.unshared++;
          // Where in a 256 KiB V8 page the copied 4 KiB page lies (0: the page header).
          if (detail) detail.push({ vma: `${v.start.toString(16)}-${v.end.toString(16)}`, kind: v.kind, slot: ((v.start + i * PAGE) % 262144) / PAGE });
        }
      }
    }
  } finally {
    fs.closeSync(cfd);
    fs.closeSync(pfd);
    fs.closeSync(kfd);
  }
  if (!sawPfn) return null;
  for (const k of ['anon', 'file']) for (const f of ['shared', 'unshared', 'siblings', 'fresh']) result[k][f] *= MiB;
  return result;
}

module.exports = { pageSharing };
