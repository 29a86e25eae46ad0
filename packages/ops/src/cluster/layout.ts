/** Which nodes become masters, their slot ranges, and whom each replica follows — as redis-cli plans it. */
import { SLOT_COUNT } from '@tsredis/cluster-bus';
import { formatEndpoint, type Endpoint } from '../endpoint.js';

export interface ClusterLayout {
  masters: Array<{ endpoint: Endpoint; slots: [number, number] }>;
  replicas: Array<{ endpoint: Endpoint; master: number }>;
}

/** Redis Cluster needs at least three masters to elect a replacement for one. */
export const MIN_MASTERS = 3;

export function planLayout(endpoints: Endpoint[], replicasPerMaster: number): ClusterLayout {
  const masterCount = Math.floor(endpoints.length / (replicasPerMaster + 1));
  if (masterCount < MIN_MASTERS) {
    throw new Error(
      `${endpoints.length} nodes with ${replicasPerMaster} replica(s) each give ${masterCount} masters; a cluster needs at least ${MIN_MASTERS}`,
    );
  }
  const seen = new Set<string>();
  for (const endpoint of endpoints) {
    const name = formatEndpoint(endpoint);
    if (seen.has(name)) throw new Error(`${name} is listed twice`);
    seen.add(name);
  }
  const perMaster = SLOT_COUNT / masterCount;
  const masters = endpoints.slice(0, masterCount).map((endpoint, i) => {
    const first = Math.round(i * perMaster);
    const last = i === masterCount - 1 ? SLOT_COUNT - 1 : Math.round((i + 1) * perMaster) - 1;
    return { endpoint, slots: [first, last] as [number, number] };
  });
  // Round-robin over masters; extra nodes beyond masters × replicas also become replicas.
  const replicas = endpoints.slice(masterCount).map((endpoint, i) => ({ endpoint, master: pickMaster(masters, i, endpoint) }));
  return { masters, replicas };
}

/** The i-th master in turn, unless it shares the replica's host while another master does not. */
function pickMaster(masters: ClusterLayout['masters'], i: number, replica: Endpoint): number {
  for (let step = 0; step < masters.length; step++) {
    const candidate = (i + step) % masters.length;
    if (masters[candidate]!.endpoint.host !== replica.host) return candidate;
  }
  return i % masters.length;
}
