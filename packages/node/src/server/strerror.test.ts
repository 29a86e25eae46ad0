import { closeSync, openSync, writeSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { strerror } from './strerror.js';

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('strerror', () => {
  it("gives glibc's text for Node's system errors", () => {
    expect(strerror(thrown(() => openSync('/nonexistent-dir/file', 'r')))).toBe('No such file or directory');
    const full = openSync('/dev/full', 'w');
    try {
      expect(strerror(thrown(() => writeSync(full, Buffer.from('x'))))).toBe('No space left on device');
    } finally {
      closeSync(full);
    }
    expect(strerror(thrown(() => process.chdir('/etc/hostname')))).toBe('Not a directory');
  });

  it("uses glibc's wording where libuv's differs", () => {
    expect(strerror(Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' }))).toBe('Input/output error');
    expect(strerror(Object.assign(new Error('ENAMETOOLONG: name too long, open'), { code: 'ENAMETOOLONG' }))).toBe('File name too long');
  });

  it('keeps the message of an error without a code', () => {
    expect(strerror(new Error('something else'))).toBe('something else');
  });
});
