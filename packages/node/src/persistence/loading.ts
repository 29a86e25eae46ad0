import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Loading the dataset at startup (Redis's startLoading / loadingAbsProgress / stopLoading): the
 * server already listens, the load runs in time slices, and between slices clients are served
 * — commands without the `loading` flag get the LOADING error, INFO shows the progress.
 */

/** The LOADING reply (shared.loadingerr), without the leading '-'. */
export const LOADING_ERROR = 'LOADING Redis is loading the dataset in memory';

/** How long one slice of loading runs before clients are served (Redis: every 2 MB loaded). */
const SLICE_MS = 20;
/** Steps between clock reads inside a slice. */
const STEPS_PER_CHECK = 16;

export class LoadingState {
  active = false;
  /** Unix seconds when loading started (loading_start_time). */
  startTime = 0;
  totalBytes = 0;
  loadedBytes = 0;
  /** used-mem of the RDB being loaded (AUX field), for the progress of a stream without a size. */
  rdbUsedMem = 0;
  /** Bytes of the files already loaded before the current one. */
  private doneBytes = 0;

  /** `changed` follows the state (CONFIG SET refuses some directives while loading). */
  constructor(private readonly changed: (active: boolean) => void = () => undefined) {}

  begin(totalBytes: number): void {
    this.active = true;
    this.changed(true);
    this.startTime = Math.floor(Date.now() / 1000);
    this.totalBytes = totalBytes;
    this.loadedBytes = 0;
    this.doneBytes = 0;
    this.rdbUsedMem = 0;
  }

  /** The position reached in the current file. */
  progress(position: number): void {
    this.loadedBytes = this.doneBytes + position;
  }

  /** The current file is loaded (the next one's positions start after it). */
  fileDone(size: number): void {
    this.doneBytes += size;
    this.loadedBytes = this.doneBytes;
  }

  end(): void {
    this.active = false;
    this.changed(false);
  }

  /** INFO persistence's loading_* fields (shown only while loading), with Redis's arithmetic. */
  infoFields(nowSeconds = Math.floor(Date.now() / 1000)): [string, string | number][] {
    if (!this.active) return [];
    let percent = 0;
    let remaining = 1;
    if (this.totalBytes > 0) {
      percent = (this.loadedBytes / this.totalBytes) * 100;
      remaining = this.totalBytes - this.loadedBytes;
    } else if (this.rdbUsedMem > 0) {
      percent = Math.min((this.loadedBytes / this.rdbUsedMem) * 100, 99.99);
      remaining = Math.max(this.rdbUsedMem - this.loadedBytes, 1);
    }
    const elapsed = nowSeconds - this.startTime;
    const eta = elapsed === 0 ? 1 : Math.floor((elapsed * remaining) / (this.loadedBytes + 1));
    return [
      ['loading_start_time', this.startTime],
      ['loading_total_bytes', this.totalBytes],
      ['loading_rdb_used_mem', this.rdbUsedMem],
      ['loading_loaded_bytes', this.loadedBytes],
      ['loading_loaded_perc', percent.toFixed(2)],
      ['loading_eta_seconds', eta],
    ];
  }
}

/**
 * Runs a loader that yields its byte position after each key or command, in slices of about
 * SLICE_MS; between slices the event loop serves clients. Resolves with the loader's result.
 */
export async function runInSlices<R>(steps: Generator<number, R, void>, progress: (position: number) => void): Promise<R> {
  for (;;) {
    const deadline = performance.now() + SLICE_MS;
    let step = steps.next();
    for (let count = 1; step.done !== true; count++) {
      if (count % STEPS_PER_CHECK === 0) {
        progress(step.value);
        if (performance.now() >= deadline) break;
      }
      step = steps.next();
    }
    if (step.done === true) return step.value;
    await nextTurn();
  }
}
