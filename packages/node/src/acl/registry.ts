import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import type { Command } from '../commands/table.js';
import { ClientFlag, type Client } from '../server/client.js';
import { clientInfoLine } from '../server/client-list.js';
import type { Server } from '../server/server.js';
import { AclCatalog } from './catalog.js';
import { channelAllowed, Denied, type Denial } from './check.js';
import { describeUser } from './describe.js';
import { AclLog, LogContext } from './log.js';
import { applyUserRule, hasSpaces, mergeSelectorArguments, newUser, RuleError, stageRules, type RuleContext } from './rules.js';
import type { User } from './user.js';

export const DEFAULT_USER = 'default';

/**
 * The server's ACL state: users by name, the default user every connection starts as, the
 * ACL LOG, and loading/saving users from redis.conf `user` lines or the aclfile.
 */
export class Acl implements RuleContext {
  readonly catalog: AclCatalog;
  users = new Map<string, User>();
  readonly defaultUser: User;
  readonly log: AclLog;

  constructor(private readonly server: Server) {
    this.catalog = new AclCatalog(server.commands.meta, server.commands);
    this.log = new AclLog(() => server.config.int('acllog-max-len'));
    this.defaultUser = this.createDefaultUser();
    this.users.set(DEFAULT_USER, this.defaultUser);
    // requirepass is the default user's password (ACLUpdateDefaultUserPassword).
    server.config.watch('requirepass', (value) => this.setDefaultPassword(String(value)));
  }

  get pubsubAllChannels(): boolean {
    return this.server.config.str('acl-pubsub-default') === 'allchannels';
  }

  private createDefaultUser(): User {
    const user = newUser(this, DEFAULT_USER);
    for (const rule of ['+@all', '~*', '&*', 'on', 'nopass']) applyUserRule(this, user, rule);
    return user;
  }

  private setDefaultPassword(password: string): void {
    applyUserRule(this, this.defaultUser, 'resetpass');
    applyUserRule(this, this.defaultUser, password === '' ? 'nopass' : `>${password}`);
  }

  /** Connections must AUTH first: the default user needs a password or is disabled. */
  get authRequired(): boolean {
    return !this.defaultUser.nopass || !this.defaultUser.enabled;
  }

  /** Users in Redis's order (its radix tree: byte order of the names). */
  sortedUsers(): User[] {
    return [...this.users.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** ACL SETUSER: all rules apply or none; null on success, else the error line. */
  setUser(name: string, rules: readonly string[]): string | null {
    const existing = this.users.get(name) ?? null;
    const staged = stageRules(this, name, existing, rules);
    if (typeof staged === 'string') return staged;
    if (existing === null) this.users.set(name, staged);
    else {
      existing.copyFrom(staged);
      this.dropRevokedSubscribers(existing);
    }
    return null;
  }

  /** Subscribers of `user` lose their connection when a channel they listen to is no longer allowed. */
  private dropRevokedSubscribers(user: User): void {
    if (user.selectors.some((selector) => selector.allChannels)) return;
    const patterns = user.selectors.flatMap((selector) => selector.channels);
    for (const client of this.server.clients.values()) {
      if (client.user !== user) continue;
      const subscriptions = this.server.pubsub.of(client);
      if (subscriptions === undefined) continue;
      const revoked =
        [...subscriptions.patterns].some((pattern) => !channelAllowed(patterns, pattern, true)) ||
        [...subscriptions.channels, ...subscriptions.shardChannels].some((channel) => !channelAllowed(patterns, channel, false));
      if (revoked) this.server.disconnect(client);
    }
  }

  /** ACL DELUSER: how many of the names were users. Their connections are closed. */
  deleteUsers(names: readonly string[], caller: Client): number {
    let deleted = 0;
    for (const name of names) {
      const user = this.users.get(name);
      if (user === undefined) continue;
      this.users.delete(name);
      this.disconnectUser(user, caller);
      deleted++;
    }
    return deleted;
  }

  /** Closes every connection of a removed user (the caller's after its reply). */
  private disconnectUser(user: User, caller: Client | null): void {
    for (const client of [...this.server.clients.values()]) {
      if (client.user !== user) continue;
      client.resetAuthentication();
      client.authenticated = false;
      if (client === caller) client.flags |= ClientFlag.closeAfterReply;
      else this.server.disconnect(client);
    }
  }

  /** AUTH / HELLO AUTH: true when the pair opens the user (the client is then logged in as it). */
  authenticate(client: Client, username: string, password: string): boolean {
    const user = this.users.get(username);
    if (user !== undefined && user.accepts(password)) {
      client.setAuthenticated(user);
      return true;
    }
    const context = client.has(ClientFlag.multi) ? LogContext.Multi : LogContext.Toplevel;
    this.logEntry(client, Denied.Auth, context, username, client.argv[0] ?? '');
    return false;
  }

  /** Records a refused command in the ACL LOG (`client` is the caller, also for scripts). */
  logDenial(client: Client, command: Command, argv: readonly string[], denial: Denial, context: LogContext, user: User): void {
    const object = denial.reason === Denied.Command ? command.fullName : argv[denial.position]!;
    this.logEntry(client, denial.reason, context, user.name, object);
  }

  private logEntry(client: Client, reason: Denied, context: LogContext, username: string, object: string): void {
    const now = Date.now();
    this.log.add({ reason, context, object, username, time: now, clientInfo: clientInfoLine(client, client, now) });
  }

  /** `user default on …` lines, as ACL LIST and ACL SAVE write them. */
  describe(user: User): string {
    return `user ${user.name} ${describeUser(this.catalog, user)}`;
  }

  /**
   * At startup: the `user` lines of redis.conf, or the aclfile (not both). Null when fine,
   * else the reason the server must not start.
   */
  loadAtStartup(): string | null {
    const configured = this.server.config.fileOnly.users;
    const aclfile = this.server.config.str('aclfile');
    if (aclfile !== '' && configured.length > 0) {
      return (
        'Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. ' +
        'This setup is very likely to lead to configuration errors and security holes, please define either an ' +
        'ACL file or declare users directly in your redis.conf, but not both.'
      );
    }
    const error = this.loadConfiguredUsers(configured);
    if (error !== null) return error;
    return aclfile === '' ? null : this.loadFile(aclfile, null);
  }

  private loadConfiguredUsers(lines: readonly string[][]): string | null {
    const seen = new Set<string>();
    for (const [name, ...rules] of lines) {
      if (seen.has(name!)) return `Error in user declaration '${name}': ${RuleError.duplicateUser}`;
      seen.add(name!);
      if (hasSpaces(name!)) return 'Spaces not allowed in ACL usernames';
      const merged = mergeSelectorArguments(rules);
      if (!Array.isArray(merged)) return `Unmatched parenthesis in acl selector starting at '${rules[merged.unclosed]}'.`;
      let user = this.users.get(name!);
      if (user === undefined) {
        user = newUser(this, name!);
        this.users.set(name!, user);
      } else applyUserRule(this, user, 'reset');
      for (const rule of merged) {
        const ruleError = applyUserRule(this, user, rule);
        if (ruleError !== null) return `Error loading ACL rule '${rule}' for the user named '${name}': ${ruleError}`;
      }
    }
    return null;
  }

  /**
   * ACL LOAD (and startup with an aclfile): every line must be valid, or nothing changes and
   * the reply lists the problems. The default user object stays (clients hold it); other users
   * are replaced and their connections closed.
   */
  loadFile(path: string, caller: Client | null): string | null {
    let text: string;
    try {
      text = readFileSync(path, 'latin1');
    } catch (error) {
      return `Error loading ACLs, opening file '${path}': ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (error as Error).message}`;
    }
    const loaded = new Map<string, User>();
    let errors = '';
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      if (line === '') continue;
      const words = line.split(' ');
      const lineNumber = i + 1;
      if (words[0] !== 'user' || words.length < 2) {
        errors += `${path}:${lineNumber} should start with user keyword followed by the username. `;
        continue;
      }
      const name = words[1]!;
      if (hasSpaces(name)) {
        errors += `'${path}:${lineNumber}: username '${name}' contains invalid characters. `;
        continue;
      }
      if (loaded.has(name)) {
        errors += `WARNING: Duplicate user '${name}' found on line ${lineNumber}. `;
        continue;
      }
      const user = newUser(this, name);
      loaded.set(name, user);
      const merged = mergeSelectorArguments(words.slice(2));
      if (!Array.isArray(merged)) {
        errors += `${path}:${lineNumber}: Unmatched parenthesis in selector definition.`;
        continue;
      }
      let syntaxError = false;
      for (const rawRule of merged) {
        const rule = rawRule.replace(/^[\t\r\n]+|[\t\r\n]+$/g, '');
        const error = applyUserRule(this, user, rule);
        if (error === null) continue;
        if (error === RuleError.unknown) errors += `${path}:${lineNumber}: Error in applying operation '${rule}': ${error}. `;
        else if (!syntaxError) {
          errors += `${path}:${lineNumber}: ${error}. `;
          syntaxError = true;
        }
      }
    }
    if (errors !== '') return `${errors}WARNING: ACL errors detected, no change to the previously active ACL rules was performed`;
    const newDefault = loaded.get(DEFAULT_USER) ?? this.createDefaultUser();
    this.defaultUser.copyFrom(newDefault);
    loaded.set(DEFAULT_USER, this.defaultUser);
    for (const [name, user] of this.users) if (name !== DEFAULT_USER) this.disconnectUser(user, caller);
    this.users = loaded;
    return null;
  }

  /**
   * rewriteConfigUserOption: the `user` lines CONFIG REWRITE writes — every user, unless the
   * users live in an aclfile (then the file's `user` lines are dropped).
   */
  configFileLines(): string[] {
    if (this.server.config.str('aclfile') !== '') return [];
    return this.sortedUsers().map((user) => this.describe(user));
  }

  /** ACL SAVE: every user as a `user` line, written to a temporary file then renamed over. */
  saveFile(path: string): boolean {
    const text = this.sortedUsers()
      .map((user) => `${this.describe(user)}\n`)
      .join('');
    const temporary = `${path}.tmp-${process.pid}-${Date.now()}`;
    try {
      writeFileSync(temporary, text, 'latin1');
      renameSync(temporary, path);
      return true;
    } catch (error) {
      this.server.log.warn(`Writing ACL file for ACL SAVE: ${(error as Error).message}`);
      try {
        unlinkSync(temporary);
      } catch {
        // Never created.
      }
      return false;
    }
  }
}
