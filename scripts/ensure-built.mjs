#!/usr/bin/env node
// Installs dependencies and compiles the workspace when either is missing or stale, so that
// `npm start`, `npm test` and `npm run bench` work on a fresh clone. When every package's last
// build is newer than its sources, nothing runs: `npm start` should not pay for a compiler check.
import { execFileSync, execSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, 'node_modules', '.bin', 'tsc');

/** The newest modification time of a file or of anything under a directory. */
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

/** Whether tsc's build record says the last build left errors or output behind (tsc -b would redo it). */
function unfinished(record) {
  const info = JSON.parse(readFileSync(record, 'utf8'));
  return Boolean(info.errors || info.checkPending || info.changeFileSet?.length || info.affectedFilesPendingEmit?.length ||
    info.semanticDiagnosticsPerFile?.length || info.emitDiagnosticsPerFile?.length);
}

/** A package is stale without a clean build record, or with sources or settings changed since it. */
function stale(pkg) {
  const record = join(pkg, 'tsconfig.tsbuildinfo');
  if (!existsSync(record) || unfinished(record)) return true;
  const built = statSync(record).mtimeMs;
  return ['src', 'tsconfig.json', 'package.json'].some((name) => existsSync(join(pkg, name)) && newest(join(pkg, name)) > built);
}

if (!existsSync(tsc)) {
  execSync(existsSync(join(root, 'package-lock.json')) ? 'npm ci' : 'npm install', { cwd: root, stdio: 'inherit' });
}
const packages = readdirSync(join(root, 'packages')).map((name) => join(root, 'packages', name));
if (packages.some(stale)) execFileSync(tsc, ['-b'], { cwd: root, stdio: 'inherit' });
