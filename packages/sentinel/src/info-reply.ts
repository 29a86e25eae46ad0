/**
 * What a Sentinel reads from a master's or replica's INFO: its run id, its role, the replicas
 * a master lists (slaveN lines, old and new formats) and a replica's view of its master.
 */
import { atoi } from './hello.js';

export interface InfoFacts {
  runId: string | null;
  role: 'master' | 'slave' | null;
  replicas: { ip: string; port: number }[];
  /** master_link_down_since_seconds in milliseconds (0 when absent). */
  masterLinkDownTime: number;
  masterHost: string | null;
  masterPort: number | null;
  masterLinkUp: boolean | null;
  priority: number | null;
  replOffset: number | null;
  replicaAnnounced: number | null;
}

export function parseInfo(info: string): InfoFacts {
  const facts: InfoFacts = {
    runId: null, role: null, replicas: [], masterLinkDownTime: 0, masterHost: null, masterPort: null,
    masterLinkUp: null, priority: null, replOffset: null, replicaAnnounced: null,
  };
  for (const line of info.split('\r\n')) {
    if (line.length >= 47 && line.startsWith('run_id:')) facts.runId = line.slice(7, 47);
    if (/^slave\d/.test(line) && line.length >= 7) {
      const replica = replicaLine(line);
      if (replica !== null) facts.replicas.push(replica);
    }
    if (line.length >= 32 && line.startsWith('master_link_down_since_seconds')) {
      facts.masterLinkDownTime = atoi(line.slice(31)) * 1000;
    }
    if (line.startsWith('role:master')) facts.role = 'master';
    else if (line.startsWith('role:slave')) facts.role = 'slave';
    // A replica's fields only count after its role line, as Redis reads them.
    if (facts.role !== 'slave') continue;
    if (line.startsWith('master_host:')) facts.masterHost = line.slice(12);
    else if (line.startsWith('master_port:')) facts.masterPort = atoi(line.slice(12));
    else if (line.startsWith('master_link_status:')) facts.masterLinkUp = line.slice(19).toLowerCase() === 'up';
    else if (line.startsWith('slave_priority:')) facts.priority = atoi(line.slice(15));
    else if (line.startsWith('slave_repl_offset:')) facts.replOffset = atoi(line.slice(18));
    else if (line.startsWith('replica_announced:')) facts.replicaAnnounced = atoi(line.slice(18));
  }
  return facts;
}

/** `slave0:ip=127.0.0.1,port=6380,...` or the old `slave0:127.0.0.1,6380,online`. */
function replicaLine(line: string): { ip: string; port: number } | null {
  if (!line.includes('ip=')) {
    const parts = line.slice(line.indexOf(':') + 1).split(',');
    if (parts.length < 3) return null;
    return { ip: parts[0]!, port: atoi(parts[1]!) };
  }
  const ip = /ip=([^,]*)/.exec(line);
  const port = /port=([^,]*)/.exec(line);
  if (ip === null || port === null) return null;
  return { ip: ip[1]!, port: atoi(port[1]!) };
}
