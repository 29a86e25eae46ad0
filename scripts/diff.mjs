#!/usr/bin/env node
// `npm run diff -- --seed N --count N …`: runs the differential tester (TypeScript, in test/)
// through Vite's module runner, the same transform vitest uses, so no separate build is needed.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { module } = await runnerImport(join(root, 'test', 'differential', 'cli.ts'), {
  root,
  configFile: false,
  logLevel: 'error',
});
process.exitCode = await module.main(process.argv.slice(2));
