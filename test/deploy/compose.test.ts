/**
 * The compose topology for real, through testcontainers: build the image, `up` the six nodes and
 * the init service, write keys from outside the Docker network (following MOVED to the announced
 * host), stop a master and see its replica take over, then `down` and `up` again — containers
 * come back on new addresses — and find the cluster ok with every key. Runs only where a Docker
 * engine answers; everywhere else it says why it is skipped. The same scenarios run on plain
 * processes in test/drills.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cluster } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { DockerComposeEnvironment, Wait, type StartedDockerComposeEnvironment } from 'testcontainers';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const engine = spawnSync('docker', ['info'], { encoding: 'utf8', timeout: 10_000 });
const hasEngine = engine.status === 0;
if (!hasEngine) {
  console.warn(
    'test/deploy/compose.test.ts: no Docker engine answers `docker info` — the docker compose topology tests are SKIPPED ' +
      '(the same scenarios run on plain processes in test/drills)',
  );
}
const PASSWORD = 'change-me-please';
const KEYS = 200;

function environment(): DockerComposeEnvironment {
  return new DockerComposeEnvironment(root, 'docker-compose.cluster.yml')
    .withBuild()
    .withWaitStrategy('cluster-init-1', Wait.forOneShotStartup())
    .withStartupTimeout(300_000);
}

async function clusterCheck(started: StartedDockerComposeEnvironment, node = 'node-1-1', port = 7001): Promise<{ ok: boolean; output: string }> {
  const result = await started.getContainer(node).exec(['tsredis', 'cluster', 'check', `node-${port - 7000}:${port}`]);
  return { ok: result.exitCode === 0, output: result.output };
}

async function until(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

describe.skipIf(!hasEngine)('docker-compose.cluster.yml on a Docker engine', () => {
  let started: StartedDockerComposeEnvironment | undefined;
  afterAll(async () => {
    await started?.down({ removeVolumes: true });
  });

  it('forms the cluster, serves clients outside the network, fails over, and survives new addresses', async () => {
    started = await environment().up();
    expect((await clusterCheck(started)).ok).toBe(true);

    const client = new Cluster([{ host: '127.0.0.1', port: 7000 }], { redisOptions: { password: PASSWORD } });
    for (let i = 0; i < KEYS; i++) await client.set(`compose:${i}`, String(i));

    // A master stopped on purpose stays down (restart: unless-stopped); its replica takes over.
    await started.getContainer('node-0-1').stop({ timeout: 0 });
    // `cluster check` prints one row per node: address, id, role, …; node-3 (port 7003) replicates node-0.
    await until('failover of node-0', 60_000, async () => /:7003\s+\S+\s+master/.test((await clusterCheck(started!)).output));
    client.disconnect();

    // Everything down and up again: new container IPs; the init service re-MEETs by name.
    await started.down({ removeVolumes: false });
    started = await environment().up();
    await until('cluster ok after recreation', 120_000, async () => (await clusterCheck(started!)).ok);
    const after = new Cluster([{ host: '127.0.0.1', port: 7001 }], { redisOptions: { password: PASSWORD } });
    const values = await Promise.all(Array.from({ length: KEYS }, (_, i) => after.get(`compose:${i}`)));
    after.disconnect();
    expect(values).toEqual(Array.from({ length: KEYS }, (_, i) => String(i)));
  }, 900_000);
});
