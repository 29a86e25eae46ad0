import { CommandFlag, type Command } from '../commands/table.js';
import { ClientFlag, type Client } from './client.js';

/** CLIENT PAUSE modes, ordered from least to most restrictive (a merge keeps the larger). */
export const enum PauseMode {
  Off = 0,
  Write = 1,
  All = 2,
}

/** setTimeout's longest delay; a longer pause re-arms the timer when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Runs a held command and the input queued behind it (the server's resume path). */
export type ResumeClient = (client: Client, argv: string[]) => void;

/**
 * CLIENT PAUSE: while a pause is on, a command that must wait is not rejected but held with its
 * client, which stops reading commands from its buffer (the client is flagged blocked, as
 * Redis's BLOCKED_POSTPONE does). When the pause ends — timeout or CLIENT UNPAUSE — each held
 * client runs its command again through the whole dispatch, in the order they were held, then
 * carries on with the input that arrived meanwhile. Dispatch looks only at `active` until then.
 */
export class ClientPause {
  /** Whether a pause is in effect: the one check dispatch makes on every command. */
  active = false;
  private mode = PauseMode.Off;
  /** Last millisecond of the pause (Redis pauses while `end >= now`). */
  private endsAt = 0;
  private readonly held = new Map<Client, string[]>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly resume: ResumeClient) {}

  /** Clients waiting for the pause to end (they count as blocked clients). */
  get heldCount(): number {
    return this.held.size;
  }

  /**
   * Starts or extends a pause until `endsAt` (ms since the epoch). Like Redis, a second pause
   * keeps the more restrictive mode and the later end; one that already ended changes nothing.
   */
  pause(mode: PauseMode, endsAt: number, now: number): void {
    if (endsAt < now && !this.active) return;
    this.mode = Math.max(this.mode, mode);
    this.endsAt = Math.max(this.endsAt, endsAt);
    this.active = this.mode !== PauseMode.Off;
    this.arm(now);
  }

  /** CLIENT UNPAUSE: ends the pause now. */
  unpause(): void {
    if (this.active) this.end();
  }

  /**
   * Whether `command` must wait (Redis's processCommand rule): replicas never wait; under ALL
   * every command does, under WRITE those that write or may replicate. When it must, the client
   * is flagged blocked and its argv kept until the pause ends.
   */
  hold(client: Client, command: Command, argv: string[]): boolean {
    if ((client.flags & ClientFlag.replica) !== 0) return false;
    if (this.mode === PauseMode.Write && (command.flags & (CommandFlag.write | CommandFlag.may_replicate)) === 0) {
      return false;
    }
    client.flags |= ClientFlag.blocked;
    this.held.set(client, argv);
    return true;
  }

  /** A disconnected client's held command is dropped. */
  forget(client: Client): void {
    this.held.delete(client);
  }

  private arm(now: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    const delay = Math.min(this.endsAt - now + 1, MAX_TIMER_MS);
    this.timer = setTimeout(onTimer, Math.max(delay, 0), this);
    this.timer.unref();
  }

  /** Timer callback: ends the pause when its last millisecond has passed. */
  expire(): void {
    const now = Date.now();
    if (now > this.endsAt) this.end();
    else this.arm(now);
  }

  private end(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.mode = PauseMode.Off;
    this.endsAt = 0;
    this.active = false;
    // A resumed command may start a new pause and be held again: resume a snapshot.
    const waiting = [...this.held];
    this.held.clear();
    for (const [client, argv] of waiting) {
      client.flags &= ~ClientFlag.blocked;
      this.resume(client, argv);
    }
  }
}

function onTimer(pause: ClientPause): void {
  pause.expire();
}
