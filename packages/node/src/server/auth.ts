import { createHash, timingSafeEqual } from 'node:crypto';
import type { Server } from './server.js';

/** The only user until ACLs exist; `requirepass` is its password, as in Redis. */
export const DEFAULT_USER = 'default';

/** What AUTH and HELLO AUTH leave in argv, so MONITOR and the slowlog never see a secret. */
export const REDACTED = '(redacted)';

/** Whether the default user needs no password (Redis's `nopass`): requirepass is empty. */
export function defaultUserIsNopass(server: Server): boolean {
  return server.config.str('requirepass') === '';
}

/**
 * Checks a username/password pair like Redis's ACLCheckUserCredentials for the default user:
 * unknown users fail, a nopass user accepts any password, otherwise the password must match.
 * Both sides are hashed first so the comparison takes the same time whatever the input.
 */
export function checkCredentials(server: Server, username: string, password: string): boolean {
  if (username !== DEFAULT_USER) return false;
  const expected = server.config.str('requirepass');
  if (expected === '') return true;
  return timingSafeEqual(sha256(password), sha256(expected));
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'latin1').digest();
}
