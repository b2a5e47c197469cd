// One worker position of the multi-process loop: its current child, the work it owns, and
// the children of it that ended well (a position outlives its children: a crashed child is
// replaced, a recycled one succeeded by a fresh fork, each in its own directory).
import * as path from 'node:path';
import type { SupervisedChild } from '../supervise/child.js';
import type { WorkerPlan } from './plan.js';
import type { WorkerReport } from './worker.js';

/** The parent's view of a forked worker: a child whose result is its report. */
export type WorkerChild = SupervisedChild<WorkerReport>;

/** The ranges strategy's unit of work. */
export type Range = { id: number; first: number; count: number };

export class Slot {
  readonly index: number;
  /** The current child's directory: worker_<i>, then worker_<i>.g<n> after each recycle. */
  dir: string;
  generation = 0;
  /** Directories of children that ended well: all of them are merged. */
  readonly finishedDirs: string[] = [];
  /** Events processed by those children. */
  finishedEvents = 0;
  plan: WorkerPlan;
  child: WorkerChild | undefined;
  /** The last child that sent its report. */
  reported: WorkerChild | undefined;
  /** Children of this position that crashed. */
  restarts = 0;
  /** ranges strategy: every range sent to the current child, those not done yet, and those to send first. */
  given: Range[] = [];
  pending: Range[] = [];
  resend: Range[] = [];
  /** Watchdog: the done count last seen, and when it last moved. */
  lastDone = 0;
  lastProgress: number;

  constructor(index: number, root: string, plan: WorkerPlan, now: number) {
    this.index = index;
    this.dir = path.join(root, `worker_${index}`);
    this.plan = plan;
    this.lastProgress = now;
  }

  /** The current child ended well: what it wrote is merged, what it did is counted. */
  finished(child: WorkerChild, processed: number): void {
    this.reported = child;
    this.finishedDirs.push(this.dir);
    this.finishedEvents += processed;
  }

  /** A recycled child's successor writes a directory of its own. */
  nextGeneration(root: string): void {
    this.generation++;
    this.dir = path.join(root, `worker_${this.index}.g${this.generation}`);
  }

  /** Where a crashed child's incomplete files are set aside. */
  crashedDir(pid: number): string {
    return `${this.dir}.crashed-${pid}`;
  }

  /** A new child takes the position: the watchdog starts afresh, the range lists are empty. */
  adopt(child: WorkerChild, now: number): void {
    this.child = child;
    this.lastDone = 0;
    this.lastProgress = now;
  }

  /** The child ended and did not report (it failed or was killed). */
  get unreported(): boolean {
    return this.child !== undefined && this.reported !== this.child;
  }
}
