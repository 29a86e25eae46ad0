import type { Server as NetServer } from 'node:net';

/** A listen address from `bind`; an optional one (written with a leading '-') may be unavailable. */
export interface ListenAddress {
  host: string;
  optional: boolean;
}

/**
 * Binds a new listener from `create` on every address and resolves with those that bound.
 * Rejects with the first failure of an address that is not optional (closing what was bound).
 */
export async function listenAll(
  create: () => NetServer,
  addresses: readonly ListenAddress[],
  port: number,
  backlog: number,
): Promise<NetServer[]> {
  const bound: NetServer[] = [];
  for (const { host, optional } of addresses) {
    const listener = create();
    try {
      await new Promise<void>((resolve, reject) => {
        listener.once('error', reject);
        listener.listen({ port, host, backlog }, () => {
          listener.off('error', reject);
          resolve();
        });
      });
      bound.push(listener);
    } catch (error) {
      if (optional) continue;
      for (const other of bound) other.close();
      throw error;
    }
  }
  return bound;
}
