/**
 * The deployment files, checked without a Docker engine: the compose file and the Kubernetes
 * manifests parse and describe the topology the README promises, the Dockerfile keeps its
 * promises (multi-stage, non-root, HEALTHCHECK), and the entrypoint turns environment variables
 * into the right server command line (run with stand-in binaries). `docker compose config`
 * validates the compose file too where the compose plugin is installed.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

interface ComposeService {
  command?: string[];
  environment?: Record<string, string>;
  profiles?: string[];
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  restart?: string;
  deploy?: { resources?: { limits?: { cpus?: string; memory?: string } } };
  env_file?: Array<{ path: string; required: boolean }>;
}

const compose = parse(read('docker-compose.cluster.yml'), { merge: true }) as { services: Record<string, ComposeService>; networks: Record<string, unknown> };
const services = compose.services;
const clusterNodes = Object.keys(services).filter((name) => /^node-\d$/.test(name));

describe('docker-compose.cluster.yml', () => {
  it('runs six cluster nodes, each on its own published port with its own volume, health-checked and limited', () => {
    expect(clusterNodes).toEqual(['node-0', 'node-1', 'node-2', 'node-3', 'node-4', 'node-5']);
    for (const [i, name] of clusterNodes.entries()) {
      const node = services[name]!;
      expect(node.environment).toMatchObject({ TSREDIS_CLUSTER: 'yes', TSREDIS_PORT: String(7000 + i) });
      expect(node.ports).toEqual([`127.0.0.1:${7000 + i}:${7000 + i}`]);
      expect(node.volumes).toEqual([`data-${i}:/data`]);
      expect(node.healthcheck?.test).toContain('/opt/tsredis/healthcheck.mjs');
      expect(node.deploy?.resources?.limits).toEqual({ cpus: '1.0', memory: '512M' });
      expect(node.env_file?.map((file) => file.path)).toEqual(['deploy/cluster.env.example', 'deploy/cluster.env']);
      expect(node.profiles).toBeUndefined();
    }
  });

  it('has a one-shot init service that forms the cluster from all six once they are healthy', () => {
    const init = services['cluster-init']!;
    expect(init.restart).toBe('no');
    expect(init.command?.slice(0, 3)).toEqual(['tsredis', 'cluster', 'create']);
    expect(init.command).toEqual(expect.arrayContaining(clusterNodes.map((name, i) => `${name}:${7000 + i}`)));
    expect(init.command?.join(' ')).toContain('--replicas 1');
    expect(Object.keys(init.depends_on ?? {})).toEqual(clusterNodes);
    for (const dependency of Object.values(init.depends_on ?? {})) expect(dependency.condition).toBe('service_healthy');
  });

  it('reads the password and the public host name from the env file', () => {
    const env = read('deploy/cluster.env.example');
    expect(env).toMatch(/^REDIS_PASSWORD=\S+$/m);
    expect(env).toMatch(/^TSREDIS_PUBLIC_HOST=\S+$/m);
    expect(env).toMatch(/^TSREDIS_PREFERRED_ENDPOINT=hostname$/m);
  });

  it('has a sentinel profile: a master, two replicas of it and three sentinels watching it', () => {
    const profile = Object.entries(services).filter(([, service]) => service.profiles?.includes('sentinel'));
    const names = profile.map(([name]) => name);
    expect(names).toEqual(['sentinel-master', 'sentinel-replica-1', 'sentinel-replica-2', 'sentinel-1', 'sentinel-2', 'sentinel-3']);
    expect(services['sentinel-replica-1']!.environment?.['TSREDIS_REPLICAOF']).toBe('sentinel-master 6379');
    for (const sentinel of ['sentinel-1', 'sentinel-2', 'sentinel-3']) {
      expect(services[sentinel]!.environment).toMatchObject({ TSREDIS_ROLE: 'sentinel', TSREDIS_SENTINEL_MASTER: 'sentinel-master 6379 2' });
    }
  });

  it('validates with `docker compose config` where the compose plugin is installed', () => {
    const probe = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      console.warn('test/deploy/files.test.ts: `docker compose` is not installed — compose config validation SKIPPED (YAML checked above)');
      return;
    }
    const result = spawnSync('docker', ['compose', '-f', 'docker-compose.cluster.yml', '--profile', 'sentinel', 'config', '--quiet'], { cwd: root, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('deploy/Dockerfile', () => {
  const dockerfile = read('deploy/Dockerfile');
  it('builds in one stage and runs from a smaller one, as a non-root user, with a PING health check', () => {
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^FROM \S+ AS runtime$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*healthcheck\.mjs/m);
    expect(read('deploy/healthcheck.mjs')).toContain("command('PING')");
    expect(dockerfile).toMatch(/^VOLUME \["\/data"\]$/m);
    // Every workspace manifest is copied before `npm ci`, or the lock file would not match.
    const workspaces = (JSON.parse(read('package.json')) as { workspaces: string[] }).workspaces;
    for (const workspace of workspaces) expect(dockerfile).toContain(`COPY ${workspace}/package.json ${workspace}/`);
  });
});

describe('deploy/docker-entrypoint.sh', () => {
  const bin = mkdtempSync(join(tmpdir(), 'tsredis-entrypoint-'));
  afterAll(() => rmSync(bin, { recursive: true, force: true }));
  // Stand-ins print the command line they were given.
  for (const name of ['tsredis-server', 'tsredis-sentinel', 'tsredis']) {
    writeFileSync(join(bin, name), '#!/bin/sh\necho "$(basename "$0") $*"\n');
    chmodSync(join(bin, name), 0o755);
  }
  const entrypoint = (env: Record<string, string>, args: string[] = []): string => {
    const result = spawnSync('sh', [join(root, 'deploy', 'docker-entrypoint.sh'), ...args], {
      env: { PATH: `${bin}:${process.env['PATH']}`, ...env },
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    return result.stdout.trim();
  };

  it('is valid POSIX sh', () => {
    expect(spawnSync('sh', ['-n', join(root, 'deploy', 'docker-entrypoint.sh')]).status).toBe(0);
  });

  it('turns the cluster environment into tsredis-server options', () => {
    const line = entrypoint({ TSREDIS_CLUSTER: 'yes', TSREDIS_PORT: '7003', TSREDIS_PUBLIC_HOST: 'localhost', TSREDIS_PREFERRED_ENDPOINT: 'hostname', REDIS_PASSWORD: 'pw' });
    expect(line).toBe(
      'tsredis-server --port 7003 --dir /data --bind 0.0.0.0 --protected-mode no --appendonly yes --cluster-enabled yes ' +
        '--cluster-config-file /data/nodes.conf --cluster-node-timeout 5000 --cluster-announce-hostname localhost ' +
        '--cluster-preferred-endpoint-type hostname --requirepass pw --masterauth pw',
    );
  });

  it('runs a plain replica, and any other command as given', () => {
    expect(entrypoint({ TSREDIS_REPLICAOF: 'sentinel-master 6379', TSREDIS_APPENDONLY: 'no' })).toBe(
      'tsredis-server --port 6379 --dir /data --bind 0.0.0.0 --protected-mode no --appendonly no --replicaof sentinel-master 6379',
    );
    expect(entrypoint({}, ['tsredis', 'cluster', 'check', 'node-0:7000'])).toBe('tsredis cluster check node-0:7000');
    expect(entrypoint({}, ['tsredis-server', '--port', '1'])).toBe('tsredis-server --port 1');
  });
});

describe('deploy/k8s', () => {
  const documents = ['service.yaml', 'statefulset.yaml', 'cluster-init-job.yaml', 'secret.example.yaml'].flatMap((file) =>
    parseAllDocuments(read(`deploy/k8s/${file}`)).map((document) => document.toJS() as { kind: string; spec: Record<string, any> }),
  );
  const byKind = (kind: string) => documents.find((document) => document.kind === kind)!;

  it('has a headless Service, a six-pod StatefulSet running as non-root, and an init Job naming every pod', () => {
    expect(byKind('Service').spec['clusterIP']).toBe('None');
    const statefulSet = byKind('StatefulSet').spec;
    expect(statefulSet['replicas']).toBe(6);
    expect(statefulSet['serviceName']).toBe('tsredis');
    expect(statefulSet['template'].spec.securityContext.runAsNonRoot).toBe(true);
    const command = byKind('Job').spec['template'].spec.containers[0].command as string[];
    expect(command.slice(0, 3)).toEqual(['tsredis', 'cluster', 'create']);
    for (let i = 0; i < 6; i++) expect(command).toContain(`tsredis-${i}.tsredis:6379`);
    expect(read('deploy/k8s/kustomization.yaml')).toContain('statefulset.yaml');
  });
});
