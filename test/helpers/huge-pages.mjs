// Whether this kernel can move memory into transparent huge pages on request: the reason
// to skip a test when it cannot, or false.
import fs from 'node:fs';
import os from 'node:os';

/** MADV_COLLAPSE came with Linux 6.1; with THP set to "never" there are no huge pages at all. */
export function hugePagesUnavailable() {
  let thp;
  try {
    thp = fs.readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8');
  } catch {
    return 'no transparent huge pages in this kernel';
  }
  if (thp.includes('[never]')) return 'transparent huge pages are set to "never"';
  const [major, minor] = os.release().split('.').map(Number);
  if (major < 6 || (major === 6 && minor < 1)) return `Linux ${os.release()} has no MADV_COLLAPSE`;
  return false;
}
