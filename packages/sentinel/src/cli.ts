#!/usr/bin/env node
/** tsredis-sentinel [sentinel.conf] [--directive value ...] */
import { hideBin } from 'yargs/helpers';
import { runSentinel } from './main.js';

await runSentinel(hideBin(process.argv));
