import { describe, expect, it } from 'vitest';
import { AofManifest, ManifestError } from './aof-manifest.js';

describe('AOF manifest', () => {
  it('formats the base first, then history, then incr files, as Redis 7.0 writes them', () => {
    const manifest = new AofManifest();
    manifest.newBase('appendonly.aof', true);
    manifest.newIncr('appendonly.aof');
    manifest.newIncr('appendonly.aof');
    manifest.newBase('appendonly.aof', true);
    manifest.retireIncr(true);
    expect(manifest.format()).toBe(
      'file appendonly.aof.2.base.rdb seq 2 type b\n' +
        'file appendonly.aof.1.incr.aof seq 1 type h\n' +
        'file appendonly.aof.1.base.rdb seq 1 type h\n' +
        'file appendonly.aof.2.incr.aof seq 2 type i\n',
    );
  });

  it('parses what it formats, comments and quoted names included', () => {
    const text = '# comment\nfile "my file.aof" seq 3 type b\nfile appendonly.aof.4.incr.aof seq 4 type i\n';
    const manifest = AofManifest.parse(text);
    expect(manifest.base).toEqual({ name: 'my file.aof', seq: 3, type: 'b' });
    expect(manifest.incrSeq).toBe(4);
    expect(manifest.format()).toBe('file "my file.aof" seq 3 type b\nfile appendonly.aof.4.incr.aof seq 4 type i\n');
  });

  it.each([
    ['', 'Found an empty AOF manifest'],
    ['file a seq 1\n', 'Invalid AOF manifest file format'],
    ['file a seq 1 type b\nfile b seq 2 type b\n', 'Found duplicate base file information'],
    ['file a seq 2 type i\nfile b seq 2 type i\n', 'Found a non-monotonic sequence number'],
    ['file a seq 1 type x\n', 'Unknown AOF file type'],
    ['file dir/a seq 1 type b\n', "File can't be a path, just a filename"],
    ['file a seq 1 type b', 'The AOF manifest file contains too long line'],
  ])('refuses %j with Redis\'s message', (text, message) => {
    expect(() => AofManifest.parse(text)).toThrow(new ManifestError(message));
  });
});
