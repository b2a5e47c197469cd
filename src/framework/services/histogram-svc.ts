// HistogramSvc: books histograms by path ("reco/nhits") and writes them all to the JSON
// file named by HistogramSvc.Output at finalize. It is an IoComponent: in a forked worker
// ioReinit empties the contents (events the master processed before forking are in the
// master's file) and redirects the output to the worker's directory, for merging.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CowloopError, ErrorCodes } from '../../errors.js';
import type { IoAbandonContext, IoComponent, IoMergeContext, IoReinitContext } from '../io-component.js';
import { prop, type PropertyDecls, type PropsOf } from '../properties.js';
import { Service } from '../service.js';
import { Histogram1D, Histogram2D, type Histogram } from './histogram.js';
import { histogramsToText, readHistogramFile, writeHistogramFile } from './histogram-file.js';

const histogramProperties = {
  Output: prop.string('', 'JSON file the histograms are written to at finalize (relative to ApplicationMgr.OutputDir), only when the run ends well; empty: none'),
};

export class HistogramSvc extends Service implements IoComponent {
  static override properties: PropertyDecls = histogramProperties;
  declare readonly props: PropsOf<typeof histogramProperties>;

  readonly #histograms = new Map<string, Histogram>();
  #outputOverride: string | undefined;
  #written: string | undefined;
  /** The run ended early: finalize writes nothing to Output (only under a keep directory, if given). */
  #abandoned = false;

  /** Books (or returns the already booked) 1D histogram at `path`. */
  book1D(path: string, title: string, nbins: number, low: number, high: number): Histogram1D {
    const have = this.#histograms.get(path);
    const h = new Histogram1D(path, title, nbins, low, high);
    if (have) {
      if (have instanceof Histogram1D && have.sameBinning(h)) return have;
      throw this.#rebooked(path);
    }
    this.#histograms.set(path, h);
    return h;
  }

  book2D(path: string, title: string, nx: number, xlow: number, xhigh: number, ny: number, ylow: number, yhigh: number): Histogram2D {
    const have = this.#histograms.get(path);
    const h = new Histogram2D(path, title, nx, xlow, xhigh, ny, ylow, yhigh);
    if (have) {
      if (have instanceof Histogram2D && have.sameBinning(h)) return have;
      throw this.#rebooked(path);
    }
    this.#histograms.set(path, h);
    return h;
  }

  get(path: string): Histogram | undefined {
    return this.#histograms.get(path);
  }

  /** All histograms, sorted by path. */
  histograms(): Histogram[] {
    return [...this.#histograms.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** Adds histograms bin by bin into the booked ones (booking those not booked yet). */
  addHistograms(histograms: Iterable<Histogram>): void {
    for (const h of histograms) {
      const have = h instanceof Histogram1D ? this.book1D(h.path, h.title, h.nbins, h.low, h.high) : this.book2D(h.path, h.title, h.nx, h.xlow, h.xhigh, h.ny, h.ylow, h.yhigh);
      (have as Histogram1D).add(h as Histogram1D);
    }
  }

  /** Adds the histograms of a file written by another process (a worker) into this service. */
  addFile(file: string): void {
    this.addHistograms(readHistogramFile(file));
  }

  /** Empties every histogram, keeping the bookings. */
  resetAll(): void {
    for (const h of this.#histograms.values()) h.reset();
  }

  /** Where the histograms will be written, or undefined when Output is empty. */
  get outputPath(): string | undefined {
    if (this.#outputOverride) return this.#outputOverride;
    return this.props.Output ? this.resolveOutput(this.props.Output) : undefined;
  }

  /**
   * Writes the output file now (also done at finalize): synced and renamed into place, or,
   * with `durable: false`, a plain write, for a file in a directory its caller syncs and
   * places whole (a queued job's range).
   */
  write(options: { durable?: boolean } = {}): string | undefined {
    const file = this.outputPath;
    if (!file) return undefined;
    if (options.durable === false) fs.writeFileSync(file, histogramsToText(this.#histograms.values()));
    else writeHistogramFile(file, this.#histograms.values());
    this.#written = file;
    return file;
  }

  outputFiles(): string[] {
    return this.#written ? [this.#written] : [];
  }

  override finalize(): void {
    if (this.#abandoned && !this.#outputOverride) return;
    const file = this.write();
    if (file) this.log.info(`wrote ${this.#histograms.size} histograms to ${file}`);
  }

  ioReinit(ctx: IoReinitContext): void {
    this.resetAll();
    if (this.props.Output) this.#outputOverride = path.join(ctx.workerDir, path.basename(this.props.Output));
  }

  ioFinalize(): void {}

  /** Adds each worker's histogram file into these histograms (written at finalize). */
  ioMerge(ctx: IoMergeContext): void {
    if (!this.props.Output) return;
    for (const dir of ctx.workerDirs) {
      const file = path.join(dir, path.basename(this.props.Output));
      if (fs.existsSync(file)) this.addFile(file);
    }
  }

  /** The run ended early: what this process holds is written under keepDir (if given), never to Output. */
  ioAbandon(ctx: IoAbandonContext): void {
    if (this.#abandoned) return;
    this.#abandoned = true;
    if (this.props.Output && ctx.keepDir !== undefined) this.#outputOverride = path.join(ctx.keepDir, path.basename(this.props.Output));
  }

  #rebooked(path: string): CowloopError {
    return new CowloopError(ErrorCodes.ERR_COWLOOP_HISTOGRAM, `${this.name}: histogram "${path}" is already booked with another type or binning`);
  }
}
