import type { Config } from './config.js';
import type { Logger } from './logger.js';

/**
 * The operator's early alert: one log warning when used memory crosses
 * maxmemory-warning-percent of maxmemory, armed again once it falls back below. Off while
 * maxmemory or the percentage is 0. Checked from the server cron.
 */
export class MemoryWarning {
  private percent = 0;
  private maxmemory = 0;
  /** Whether the warning was given for the current crossing. */
  private warned = false;

  constructor(
    config: Config,
    private readonly log: Logger,
  ) {
    config.watch('maxmemory-warning-percent', (value) => (this.percent = Number(value)));
    config.watch('maxmemory', (value) => (this.maxmemory = Number(value)));
  }

  check(usedMemory: number): void {
    const threshold = (this.maxmemory * this.percent) / 100;
    const above = threshold > 0 && usedMemory >= threshold;
    if (above && !this.warned) {
      this.log.warn(
        { usedMemory, maxmemory: this.maxmemory, percent: this.percent },
        `Used memory (${usedMemory} bytes) crossed ${this.percent}% of maxmemory (${this.maxmemory} bytes)`,
      );
    } else if (!above && this.warned) {
      this.log.info({ usedMemory, maxmemory: this.maxmemory, percent: this.percent }, `Used memory back below ${this.percent}% of maxmemory`);
    }
    this.warned = above;
  }
}
