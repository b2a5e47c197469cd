// Fixed-bin 1D and 2D histograms with underflow and overflow bins, weighted fills,
// bin-by-bin addition (for merging per-worker outputs) and a deterministic JSON form.
// Bin 0 is the underflow, bins 1..n the range [low, high), bin n+1 the overflow; NaN
// values go to the overflow.
import { CowloopError, ErrorCodes } from '../../errors.js';

function histError(message: string): CowloopError {
  return new CowloopError(ErrorCodes.ERR_COWLOOP_HISTOGRAM, message);
}

function checkAxis(what: string, nbins: number, low: number, high: number): void {
  if (!Number.isInteger(nbins) || nbins < 1) throw histError(`${what}: the number of bins must be a positive integer (got ${nbins})`);
  if (!Number.isFinite(low) || !Number.isFinite(high) || !(high > low)) {
    throw histError(`${what}: the range must be finite with low < high (got [${low}, ${high}))`);
  }
}

/** Index 0..nbins+1 of value x on an axis. */
function binIndex(x: number, nbins: number, low: number, high: number): number {
  if (x < low) return 0;
  if (!(x < high)) return nbins + 1; // also NaN
  const i = Math.floor(((x - low) / (high - low)) * nbins);
  return Math.min(i, nbins - 1) + 1; // rounding can land exactly on nbins just below high
}

export interface Histogram1DJSON {
  type: 'H1D';
  path: string;
  title: string;
  nbins: number;
  low: number;
  high: number;
  entries: number;
  sumw: number[];
  sumw2: number[];
}

export interface Histogram2DJSON {
  type: 'H2D';
  path: string;
  title: string;
  nx: number;
  xlow: number;
  xhigh: number;
  ny: number;
  ylow: number;
  yhigh: number;
  entries: number;
  sumw: number[];
  sumw2: number[];
}

export type HistogramJSON = Histogram1DJSON | Histogram2DJSON;

export class Histogram1D {
  readonly path: string;
  readonly title: string;
  readonly nbins: number;
  readonly low: number;
  readonly high: number;
  /** Number of fill calls (unweighted), all bins included. */
  entries = 0;
  /** Sum of weights per bin, underflow and overflow included (length nbins + 2). */
  readonly sumw: Float64Array;
  /** Sum of squared weights per bin, for errors. */
  readonly sumw2: Float64Array;

  constructor(path: string, title: string, nbins: number, low: number, high: number) {
    checkAxis(`histogram "${path}"`, nbins, low, high);
    this.path = path;
    this.title = title;
    this.nbins = nbins;
    this.low = low;
    this.high = high;
    this.sumw = new Float64Array(nbins + 2);
    this.sumw2 = new Float64Array(nbins + 2);
  }

  fill(x: number, weight = 1): void {
    const i = binIndex(x, this.nbins, this.low, this.high);
    this.entries++;
    this.sumw[i] = (this.sumw[i] as number) + weight;
    this.sumw2[i] = (this.sumw2[i] as number) + weight * weight;
  }

  /** Content of bin i (0: underflow, 1..nbins, nbins+1: overflow). */
  binContent(i: number): number {
    return this.sumw[i] ?? 0;
  }

  binError(i: number): number {
    return Math.sqrt(this.sumw2[i] ?? 0);
  }

  /** Lower edge of bin i (1-based). */
  binLowEdge(i: number): number {
    return this.low + ((i - 1) * (this.high - this.low)) / this.nbins;
  }

  get underflow(): number {
    return this.sumw[0] as number;
  }

  get overflow(): number {
    return this.sumw[this.nbins + 1] as number;
  }

  /** Sum of weights in the range (under- and overflow excluded). */
  integral(): number {
    let s = 0;
    for (let i = 1; i <= this.nbins; i++) s += this.sumw[i] as number;
    return s;
  }

  /** Weighted mean of the in-range bin centres. */
  mean(): number {
    let sw = 0;
    let swx = 0;
    const width = (this.high - this.low) / this.nbins;
    for (let i = 1; i <= this.nbins; i++) {
      const w = this.sumw[i] as number;
      sw += w;
      swx += w * (this.low + (i - 0.5) * width);
    }
    return sw === 0 ? 0 : swx / sw;
  }

  sameBinning(other: Histogram1D): boolean {
    return this.nbins === other.nbins && this.low === other.low && this.high === other.high;
  }

  /** Adds `other` bin by bin; the binnings must match. */
  add(other: Histogram1D): this {
    if (!(other instanceof Histogram1D) || !this.sameBinning(other)) {
      throw histError(`cannot add histogram "${other.path}" to "${this.path}": different type or binning`);
    }
    addBins(this, other);
    return this;
  }

  reset(): void {
    resetBins(this);
  }

  toJSON(): Histogram1DJSON {
    return {
      type: 'H1D',
      path: this.path,
      title: this.title,
      nbins: this.nbins,
      low: this.low,
      high: this.high,
      entries: this.entries,
      sumw: Array.from(this.sumw),
      sumw2: Array.from(this.sumw2),
    };
  }

  static fromJSON(json: Histogram1DJSON): Histogram1D {
    const h = new Histogram1D(json.path, json.title, json.nbins, json.low, json.high);
    copyBins(h.path, json, h.sumw, h.sumw2);
    h.entries = json.entries;
    return h;
  }
}

export class Histogram2D {
  readonly path: string;
  readonly title: string;
  readonly nx: number;
  readonly xlow: number;
  readonly xhigh: number;
  readonly ny: number;
  readonly ylow: number;
  readonly yhigh: number;
  entries = 0;
  /** Sums of weights, (nx + 2) * (ny + 2) cells, x fastest: cell (ix, iy) at ix + (nx + 2) * iy. */
  readonly sumw: Float64Array;
  readonly sumw2: Float64Array;

  constructor(path: string, title: string, nx: number, xlow: number, xhigh: number, ny: number, ylow: number, yhigh: number) {
    checkAxis(`histogram "${path}" (x)`, nx, xlow, xhigh);
    checkAxis(`histogram "${path}" (y)`, ny, ylow, yhigh);
    this.path = path;
    this.title = title;
    this.nx = nx;
    this.xlow = xlow;
    this.xhigh = xhigh;
    this.ny = ny;
    this.ylow = ylow;
    this.yhigh = yhigh;
    this.sumw = new Float64Array((nx + 2) * (ny + 2));
    this.sumw2 = new Float64Array((nx + 2) * (ny + 2));
  }

  fill(x: number, y: number, weight = 1): void {
    const c = this.cell(binIndex(x, this.nx, this.xlow, this.xhigh), binIndex(y, this.ny, this.ylow, this.yhigh));
    this.entries++;
    this.sumw[c] = (this.sumw[c] as number) + weight;
    this.sumw2[c] = (this.sumw2[c] as number) + weight * weight;
  }

  /** Flat index of cell (ix, iy), each 0..n+1. */
  cell(ix: number, iy: number): number {
    return ix + (this.nx + 2) * iy;
  }

  binContent(ix: number, iy: number): number {
    return this.sumw[this.cell(ix, iy)] ?? 0;
  }

  integral(): number {
    let s = 0;
    for (let iy = 1; iy <= this.ny; iy++) for (let ix = 1; ix <= this.nx; ix++) s += this.sumw[this.cell(ix, iy)] as number;
    return s;
  }

  sameBinning(o: Histogram2D): boolean {
    return (
      this.nx === o.nx && this.xlow === o.xlow && this.xhigh === o.xhigh && this.ny === o.ny && this.ylow === o.ylow && this.yhigh === o.yhigh
    );
  }

  add(other: Histogram2D): this {
    if (!(other instanceof Histogram2D) || !this.sameBinning(other)) {
      throw histError(`cannot add histogram "${other.path}" to "${this.path}": different type or binning`);
    }
    addBins(this, other);
    return this;
  }

  reset(): void {
    resetBins(this);
  }

  toJSON(): Histogram2DJSON {
    return {
      type: 'H2D',
      path: this.path,
      title: this.title,
      nx: this.nx,
      xlow: this.xlow,
      xhigh: this.xhigh,
      ny: this.ny,
      ylow: this.ylow,
      yhigh: this.yhigh,
      entries: this.entries,
      sumw: Array.from(this.sumw),
      sumw2: Array.from(this.sumw2),
    };
  }

  static fromJSON(json: Histogram2DJSON): Histogram2D {
    const h = new Histogram2D(json.path, json.title, json.nx, json.xlow, json.xhigh, json.ny, json.ylow, json.yhigh);
    copyBins(h.path, json, h.sumw, h.sumw2);
    h.entries = json.entries;
    return h;
  }
}

export type Histogram = Histogram1D | Histogram2D;

/** The bin contents both histogram kinds keep: entries, sum of weights, sum of squares. */
interface Bins {
  entries: number;
  readonly sumw: Float64Array;
  readonly sumw2: Float64Array;
}

function addBins(into: Bins, from: Bins): void {
  into.entries += from.entries;
  for (let i = 0; i < into.sumw.length; i++) {
    into.sumw[i] = (into.sumw[i] as number) + (from.sumw[i] as number);
    into.sumw2[i] = (into.sumw2[i] as number) + (from.sumw2[i] as number);
  }
}

function resetBins(bins: Bins): void {
  bins.entries = 0;
  bins.sumw.fill(0);
  bins.sumw2.fill(0);
}

function copyBins(path: string, json: { sumw: number[]; sumw2: number[] }, sumw: Float64Array, sumw2: Float64Array): void {
  if (!Array.isArray(json.sumw) || json.sumw.length !== sumw.length || !Array.isArray(json.sumw2) || json.sumw2.length !== sumw2.length) {
    throw histError(`histogram "${path}": expected ${sumw.length} bins in sumw and sumw2`);
  }
  sumw.set(json.sumw);
  sumw2.set(json.sumw2);
}

export function histogramFromJSON(json: HistogramJSON): Histogram {
  if (json?.type === 'H1D') return Histogram1D.fromJSON(json);
  if (json?.type === 'H2D') return Histogram2D.fromJSON(json);
  throw histError(`not a histogram: expected type "H1D" or "H2D" (got ${JSON.stringify((json as { type?: unknown })?.type)})`);
}

/** Adds `b` into `a` when both are the same kind with the same binning. */
export function addHistogram(a: Histogram, b: Histogram): void {
  if (a instanceof Histogram1D && b instanceof Histogram1D) a.add(b);
  else if (a instanceof Histogram2D && b instanceof Histogram2D) a.add(b);
  else throw histError(`cannot add histogram "${b.path}" to "${a.path}": one is 1D, the other 2D`);
}
