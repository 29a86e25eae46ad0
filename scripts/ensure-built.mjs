#!/usr/bin/env node
// Installs dependencies and compiles the workspace when either is missing or stale, so that
// `npm start`, `npm test` and `npm run bench` work on a fresh clone. `tsc -b` is incremental:
// when nothing changed it returns in about a second.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (command) => execSync(command, { cwd: root, stdio: 'inherit' });

if (!existsSync(join(root, 'node_modules', '.bin', 'tsc'))) {
  run(existsSync(join(root, 'package-lock.json')) ? 'npm ci' : 'npm install');
}
run('npx tsc -b');
