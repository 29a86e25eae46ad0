import type { Client } from './client.js';
import { clientType, ClientType } from './client-list.js';
import type { Config } from './config.js';

/** One class's client-output-buffer-limit: bytes (0 = no limit) and the soft limit's grace. */
interface Limit {
  hard: number;
  soft: number;
  softSeconds: number;
}

/**
 * client-output-buffer-limit, as Redis's checkClientOutputBufferLimits applies it: a client
 * whose unsent output reaches the hard limit, or stays at or above the soft limit for longer
 * than the soft seconds, must be closed. Classes: normal (masters too), replica, pubsub.
 */
export class OutputLimits {
  private readonly limits: Limit[] = [];
  /** Whether any class has a limit: the one check a flush pays by default for normal clients. */
  private any = false;

  constructor(config: Config) {
    config.watch('client-output-buffer-limit', (value) => this.configure(value as string[]));
  }

  /** The 12 CONFIG GET words: class hard soft seconds, for normal, replica and pubsub. */
  private configure(words: readonly string[]): void {
    this.limits.length = 0;
    this.any = false;
    for (let i = 0; i < 3; i++) {
      const limit = { hard: Number(words[i * 4 + 1]), soft: Number(words[i * 4 + 2]), softSeconds: Number(words[i * 4 + 3]) };
      this.limits.push(limit);
      if (limit.hard !== 0 || limit.soft !== 0) this.any = true;
    }
  }

  /**
   * Whether `client`, with `unsent` bytes waiting, is over its class's limits at `nowSeconds`.
   * Remembers when the soft limit was first reached; falling below it resets that.
   */
  exceeded(client: Client, unsent: number, nowSeconds: number): boolean {
    if (!this.any) return false;
    const limit = this.limits[classIndex(client)]!;
    if (limit.hard !== 0 && unsent >= limit.hard) return true;
    if (limit.soft === 0 || unsent < limit.soft) {
      client.softLimitReachedAt = 0;
      return false;
    }
    if (client.softLimitReachedAt === 0) {
      client.softLimitReachedAt = nowSeconds;
      return false;
    }
    return nowSeconds - client.softLimitReachedAt > limit.softSeconds;
  }
}

/** Index of the limit class: masters use the normal limits, as in Redis. */
function classIndex(client: Client): number {
  switch (clientType(client)) {
    case ClientType.Replica:
      return 1;
    case ClientType.Pubsub:
      return 2;
    default:
      return 0;
  }
}
