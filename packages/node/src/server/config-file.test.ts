import { describe, expect, it } from 'vitest';
import { Config } from './config.js';
import { applyConfigText, ConfigFileError, optionsToConfigText } from './config-file.js';
import { DIRECTIVES } from './directives.js';

describe('config file text', () => {
  it('accumulates save lines after the first one replaced the defaults', () => {
    const config = new Config(DIRECTIVES);
    applyConfigText(config, 'save 900 1\nsave "300 10"\n');
    expect(config.list('save')).toEqual(['900', '1', '300', '10']);
    applyConfigText(config, 'save ""\n');
    expect(config.list('save')).toEqual([]);
  });

  it('reports the line and reason like redis-server', () => {
    const config = new Config(DIRECTIVES);
    expect(() => applyConfigText(config, '\nhz "abc"\n')).toThrow(ConfigFileError);
    try {
      applyConfigText(config, 'port 1\nfoo bar\n');
    } catch (error) {
      expect((error as Error).message).toBe(
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'foo bar'\nBad directive or wrong number of arguments",
      );
    }
  });

  it('keeps config-file-only directives and skips deprecated ones', () => {
    const config = new Config(DIRECTIVES);
    applyConfigText(config, 'rename-command FLUSHALL ""\nuser alice on\nlist-max-ziplist-entries 512\n');
    expect(config.fileOnly.renames).toEqual([['FLUSHALL', '']]);
    expect(config.fileOnly.users).toEqual([['alice', 'on']]);
  });

  it('builds option text as redis-server main() does', () => {
    expect(optionsToConfigText(['--port', '7000', '--save', '--bind', 'a', 'b'])).toBe(
      'port "7000" \nsave ""\nbind "a" "b" ',
    );
    expect(optionsToConfigText(['--port', '--foo'])).toBe('port "--foo" ');
  });
});
