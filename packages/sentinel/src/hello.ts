/**
 * The hello message Sentinels publish on `__sentinel__:hello` of every master and replica (and
 * send to each other with PUBLISH): eight comma-separated fields, in Redis's order.
 */
export interface Hello {
  ip: string;
  port: number;
  runId: string;
  currentEpoch: number;
  masterName: string;
  masterIp: string;
  masterPort: number;
  masterConfigEpoch: number;
}

export function formatHello(hello: Hello): string {
  return [
    hello.ip, hello.port, hello.runId, hello.currentEpoch,
    hello.masterName, hello.masterIp, hello.masterPort, hello.masterConfigEpoch,
  ].join(',');
}

/** The fields of a hello message, or null when it does not have exactly eight. */
export function parseHello(payload: string): Hello | null {
  const tokens = payload.split(',');
  if (tokens.length !== 8) return null;
  const [ip, port, runId, currentEpoch, masterName, masterIp, masterPort, masterConfigEpoch] = tokens as [
    string, string, string, string, string, string, string, string,
  ];
  return {
    ip,
    port: atoi(port),
    runId,
    currentEpoch: atoi(currentEpoch),
    masterName,
    masterIp,
    masterPort: atoi(masterPort),
    masterConfigEpoch: atoi(masterConfigEpoch),
  };
}

/** C's atoi/strtoull: the leading digits, 0 when there are none. */
export function atoi(text: string): number {
  const match = /^\s*([+-]?\d+)/.exec(text);
  return match === null ? 0 : Number(match[1]);
}
