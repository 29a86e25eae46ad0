import { ValueType } from '../keyspace/entry.js';
import { notify, NotifyFlag } from '../keyspace/notify.js';
import { readDumpPayload } from '../persistence/rdb-reader.js';
import { dumpPayload } from '../persistence/rdb-writer.js';
import { applyAccess } from '../persistence/saver.js';
import { Err } from '../protocol/errors.js';
import type { Client } from '../server/client.js';
import { parseInt64 } from '../types/int64.js';
import { lookupRead } from './lookup.js';
import type { CommandFamily } from './table.js';

/** The persistence family: SAVE, BGSAVE, DUMP, RESTORE (RESTORE-ASKING). */

function save(client: Client): void {
  const rdb = client.server.rdb;
  if (rdb.bgsaveInProgress) {
    client.error('ERR Background save already in progress');
    return;
  }
  rdb.saves++;
  if (rdb.save()) client.ok();
  else client.error('ERR');
}

function bgsave(client: Client, argv: string[]): void {
  let schedule = false;
  if (argv.length > 1) {
    if (argv.length !== 2 || argv[1]!.toLowerCase() !== 'schedule') {
      client.error(Err.syntax);
      return;
    }
    schedule = true;
  }
  const server = client.server;
  const rdb = server.rdb;
  if (rdb.bgsaveInProgress) {
    client.error('ERR Background save already in progress');
  } else if (server.snapshots.active !== null || server.executingTransaction) {
    // Another snapshot (an AOF rewrite) holds the slot, or we are inside EXEC.
    if (schedule || server.executingTransaction) {
      rdb.scheduled = true;
      client.simple('Background saving scheduled');
    } else {
      client.error(
        "ERR Another child process is active (AOF?): can't BGSAVE right now. " +
          'Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.',
      );
    }
  } else if (rdb.backgroundSave()) {
    client.simple('Background saving started');
  } else {
    client.error('ERR');
  }
}

function dump(client: Client, argv: string[]): void {
  const entry = lookupRead(client, argv[1]!);
  if (entry === undefined) {
    client.nullBulk();
    return;
  }
  client.bulk(dumpPayload(entry.type, entry.value, client.server.rdb.writerOptions()).toString('latin1'));
}

/** A non-negative integer option of RESTORE, or null after replying the error. */
function restoreOption(client: Client, text: string, valid: (n: number) => boolean, error: string): number | null {
  const value = parseInt64(text);
  if (value === null) {
    client.error(Err.notInteger);
    return null;
  }
  const n = Number(value);
  if (!valid(n)) {
    client.error(error);
    return null;
  }
  return n;
}

/** RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency] */
function restore(client: Client, argv: string[]): void {
  let replace = false;
  let absoluteTtl = false;
  let idle = -1;
  let frequency = -1;
  for (let i = 4; i < argv.length; i++) {
    const option = argv[i]!.toLowerCase();
    const hasValue = i + 1 < argv.length;
    if (option === 'replace') {
      replace = true;
    } else if (option === 'absttl') {
      absoluteTtl = true;
    } else if (option === 'idletime' && hasValue && frequency === -1) {
      const value = restoreOption(client, argv[++i]!, (n) => n >= 0, 'ERR Invalid IDLETIME value, must be >= 0');
      if (value === null) return;
      idle = value;
    } else if (option === 'freq' && hasValue && idle === -1) {
      const value = restoreOption(client, argv[++i]!, (n) => n >= 0 && n <= 255, 'ERR Invalid FREQ value, must be >= 0 and <= 255');
      if (value === null) return;
      frequency = value;
    } else {
      client.error(Err.syntax);
      return;
    }
  }
  const db = client.db;
  const key = argv[1]!;
  if (!replace && db.lookup(key) !== undefined) {
    client.error('BUSYKEY Target key name already exists.');
    return;
  }
  const ttlValue = parseInt64(argv[2]!);
  if (ttlValue === null) {
    client.error(Err.notInteger);
    return;
  }
  if (ttlValue < 0) {
    client.error('ERR Invalid TTL value, must be >= 0');
    return;
  }
  const server = client.server;
  const loaded = readDumpPayload(Buffer.from(argv[3]!, 'latin1'), server.rdb.valueLimits());
  if (loaded === 'checksum') {
    client.error('ERR DUMP payload version or checksum are wrong');
    return;
  }
  if (loaded === 'format') {
    client.error('ERR Bad data format');
    return;
  }
  const deleted = replace && db.delete(key);
  let ttl = Number(ttlValue);
  if (ttl !== 0 && !absoluteTtl) ttl += server.clock.ms;
  if (ttl !== 0 && ttl <= server.clock.ms) {
    // Already expired: the key is only deleted (Redis propagates a DEL then).
    if (deleted) {
      notify(client, NotifyFlag.generic, 'del', key);
      server.dirty++;
    }
    client.ok();
    return;
  }
  const entry = db.set(key, loaded.type, loaded.value);
  if (ttl !== 0) db.setExpiry(entry, ttl);
  applyAccess(server, entry, idle, frequency, server.clock.seconds);
  if (loaded.type === ValueType.List || loaded.type === ValueType.ZSet || loaded.type === ValueType.Stream) {
    server.blocking.signalKeyReady(db, key);
  }
  notify(client, NotifyFlag.generic, 'restore', key);
  server.dirty++;
  client.ok();
}

export const persistenceCommands: CommandFamily = {
  handlers: {
    save,
    bgsave,
    dump,
    restore,
    'restore-asking': restore,
  },
};
