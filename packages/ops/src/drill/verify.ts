/** After a drill: which acknowledged writes the cluster no longer has, split by whether WAIT 1 confirmed them. */
import { keySlot } from '@tsredis/cluster-bus';
import { sleep } from '../client.js';
import type { SlotRouter } from './router.js';
import type { AckedWrite } from './writer.js';

export interface LostWrites {
  /** Writes WAIT 1 had confirmed on a replica: Redis's model says none may be lost. */
  replicated: number;
  /** Writes acknowledged without a replica's confirmation: a failover may lose these. */
  plain: number;
  /** A few of the lost keys, for the report. */
  examples: string[];
}

const BATCH = 500;

export async function findLostWrites(router: SlotRouter, acked: AckedWrite[]): Promise<LostWrites> {
  const lost: LostWrites = { replicated: 0, plain: 0, examples: [] };
  const bySlot = new Map<number, AckedWrite[]>();
  for (const write of acked) {
    const slot = keySlot(write.key);
    let group = bySlot.get(slot);
    if (group === undefined) bySlot.set(slot, (group = []));
    group.push(write);
  }
  await router.refresh();
  for (const [slot, writes] of bySlot) {
    for (let start = 0; start < writes.length; start += BATCH) {
      const batch = writes.slice(start, start + BATCH);
      const values = await mgetWithRetries(router, slot, batch.map((write) => write.key));
      batch.forEach((write, i) => {
        if (values[i] === write.value) return;
        if (write.replicated) lost.replicated++;
        else lost.plain++;
        if (lost.examples.length < 5) lost.examples.push(write.key);
      });
    }
  }
  return lost;
}

/** MGET from the slot's master, following the cluster through a refresh when a read fails (bounded). */
async function mgetWithRetries(router: SlotRouter, slot: number, keys: string[]): Promise<Array<string | null>> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      const client = router.clientFor(slot);
      if (client !== undefined) return await client.mget(keys);
    } catch (error) {
      lastError = error;
    }
    await router.refresh();
    await sleep(100);
  }
  throw new Error(`could not read back slot ${slot}: ${String(lastError)}`);
}
