import { CLOSED, RawClient } from '../helpers/raw.js';
import type { EpisodeConnection, GeneratedCommand } from './generator.js';

/**
 * Blocking episodes (family 'blocking'): each server gets two more clients that block (B1, B2)
 * and a writer (W), all in db 0 and the run's protocol, besides the main connection (which may
 * be subscribed or in another db). An episode's steps run in order, the same on both servers:
 * a blocker's command is sent, then the runner waits until that server has it blocked (INFO
 * blocked_clients, read by W) or answered, so the writes after it never race the blocking; a
 * write of W is sent and its reply read. At the end W sends CLIENT UNBLOCK for every blocker
 * that waits forever (its reply is not compared: it tells whether something served the client
 * first, which its own reply shows), then the blockers' replies are read.
 */

export const TIMEOUT = '<timeout>';

/** One reply, or TIMEOUT after 10 s (a hung server stops the run instead of the test runner). */
export async function replyOrTimeout(client: RawClient): Promise<string> {
  try {
    return await client.reply(10_000);
  } catch {
    return TIMEOUT;
  }
}

/** How long to wait for a blocked client to show in INFO (polled every few ms). */
const SETTLE_MS = 3_000;

class EpisodeClients {
  private constructor(
    private readonly clients: Record<EpisodeConnection, RawClient>,
    private readonly ids: Record<'B1' | 'B2', string>,
  ) {}

  static async open(port: number, resp: 2 | 3): Promise<EpisodeClients> {
    const clients = { B1: await RawClient.connect(port), B2: await RawClient.connect(port), W: await RawClient.connect(port) };
    if (resp === 3) for (const client of Object.values(clients)) await client.call('HELLO', '3');
    const id = async (client: RawClient): Promise<string> => (await client.call('CLIENT', 'ID')).slice(1, -2);
    return new EpisodeClients(clients, { B1: await id(clients.B1), B2: await id(clients.B2) });
  }

  /** Sends a step's command; a write's reply is read at once, a blocker's when the episode ends. */
  async send(on: EpisodeConnection, args: readonly string[], pending: Set<'B1' | 'B2'>): Promise<string | null> {
    this.clients[on].command(...args);
    if (on === 'W') return replyOrTimeout(this.clients.W);
    pending.add(on);
    await this.settle(pending);
    return null;
  }

  /** Waits (bounded) until every pending blocker is blocked or has (part of) its reply. */
  private async settle(pending: ReadonlySet<'B1' | 'B2'>): Promise<void> {
    const deadline = Date.now() + SETTLE_MS;
    while (Date.now() < deadline) {
      const info = await this.call('INFO', 'clients');
      const blocked = Number(/blocked_clients:(\d+)/.exec(info)?.[1] ?? -1);
      const waiting = [...pending].filter((on) => this.clients[on].unread.length === 0).length;
      if (blocked === waiting) return;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  /** A command of the runner's own on W (never compared). */
  private call(...args: string[]): Promise<string> {
    this.clients.W.command(...args);
    return replyOrTimeout(this.clients.W);
  }

  /**
   * Ends the forever waits, then reads the blockers' replies (B1's, then B2's). `inMulti`: the
   * episode was cut (by --count) inside W's MULTI, which is discarded first.
   */
  async finish(blockers: ReadonlyArray<{ on: 'B1' | 'B2'; unblock?: string }>, inMulti: boolean): Promise<string[]> {
    if (inMulti) await this.call('DISCARD');
    for (const { on, unblock } of blockers) {
      if (unblock !== undefined) await this.call('CLIENT', 'UNBLOCK', this.ids[on], unblock);
    }
    const replies: string[] = [];
    for (const { on } of blockers) replies.push(await replyOrTimeout(this.clients[on]));
    return replies;
  }

  close(): void {
    for (const client of Object.values(this.clients)) client.destroy();
  }
}

/** The episode clients of both servers, opened on the first episode of a run. */
export class EpisodeRunner {
  private constructor(private readonly reference: EpisodeClients, private readonly subject: EpisodeClients) {}

  static async open(referencePort: number, subjectPort: number, resp: 2 | 3): Promise<EpisodeRunner> {
    return new EpisodeRunner(await EpisodeClients.open(referencePort, resp), await EpisodeClients.open(subjectPort, resp));
  }

  /**
   * Runs one episode (its commands in order, all with `episode` set) on both servers, side by
   * side, and returns [redis reply, tsredis reply] per command, in the commands' order.
   */
  async run(commands: readonly GeneratedCommand[]): Promise<Array<[string, string]>> {
    const sides = [this.reference, this.subject] as const;
    const pending = [new Set<'B1' | 'B2'>(), new Set<'B1' | 'B2'>()] as const;
    const replies: Array<[string, string] | null> = [];
    const blockers: Array<{ on: 'B1' | 'B2'; unblock?: string; at: number }> = [];
    for (const [at, command] of commands.entries()) {
      const { on, unblock } = command.episode!;
      if (on !== 'W') blockers.push({ on, unblock, at });
      const [expected, actual] = await Promise.all(sides.map((side, i) => side.send(on, command.args, pending[i]!)));
      replies.push(expected == null || actual == null ? null : [expected, actual]);
      if (isFatal(expected) || isFatal(actual)) break;
    }
    const writes = commands.filter((c) => c.episode!.on === 'W').map((c) => c.args[0]!.toUpperCase());
    const inMulti = writes.lastIndexOf('MULTI') > Math.max(writes.lastIndexOf('EXEC'), writes.lastIndexOf('DISCARD'));
    const [expected, actual] = await Promise.all(sides.map((side) => side.finish(blockers, inMulti)));
    for (const [i, { at }] of blockers.entries()) replies[at] = [expected![i]!, actual![i]!];
    return replies.filter((reply) => reply !== null);
  }

  close(): void {
    this.reference.close();
    this.subject.close();
  }
}

function isFatal(reply: string | null | undefined): boolean {
  return reply === CLOSED || reply === TIMEOUT;
}
