/** A node's client address as operators type it: HOST:PORT. */
export interface Endpoint {
  host: string;
  port: number;
}

/** "127.0.0.1:7000", "[::1]:7000" or "redis-0.redis:6379" → Endpoint; throws with the bad text. */
export function parseEndpoint(text: string): Endpoint {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port < 1 || port > 65535) throw new Error(`not a HOST:PORT address: '${text}'`);
  return { host: (match[1] ?? match[2])!, port };
}

export function formatEndpoint({ host, port }: Endpoint): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** "7000-7005" → [7000..7005]; "7000" → [7000]. */
export function parsePortRange(text: string): number[] {
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text.trim());
  if (!match) throw new Error(`not a port or a port range: '${text}'`);
  const first = Number(match[1]);
  const last = match[2] === undefined ? first : Number(match[2]);
  if (first < 1 || last > 65535 || last < first) throw new Error(`bad port range: '${text}'`);
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

export function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.port === b.port && a.host === b.host;
}
