import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { LoadingState, runInSlices } from './loading.js';

describe('LoadingState', () => {
  it('shows no loading_* fields when not loading', () => {
    expect(new LoadingState().infoFields()).toEqual([]);
  });

  it('computes percent and eta as Redis does, across files', () => {
    const changes: boolean[] = [];
    const state = new LoadingState((active) => changes.push(active));
    state.begin(1000);
    state.startTime = 100;
    state.progress(150);
    state.fileDone(400);
    state.progress(100);
    expect(state.loadedBytes).toBe(500);
    expect(state.infoFields(104)).toEqual([
      ['loading_start_time', 100],
      ['loading_total_bytes', 1000],
      ['loading_rdb_used_mem', 0],
      ['loading_loaded_bytes', 500],
      ['loading_loaded_perc', '50.00'],
      // elapsed 4 s * 500 remaining / 501 loaded
      ['loading_eta_seconds', 3],
    ]);
    // The first second has no rate yet: a fake 1.
    expect(state.infoFields(100).at(-1)).toEqual(['loading_eta_seconds', 1]);
    state.end();
    expect(changes).toEqual([true, false]);
  });

  it('estimates from used-mem without a size, capped below 100%', () => {
    const state = new LoadingState();
    state.begin(0);
    state.rdbUsedMem = 100;
    state.progress(250);
    expect(state.infoFields(state.startTime).find(([name]) => name === 'loading_loaded_perc')).toEqual(['loading_loaded_perc', '99.99']);
  });
});

describe('runInSlices', () => {
  it('runs a loader to its result, letting queued work run between slices', async () => {
    /** 60 steps of at least 1 ms each: longer than one slice, whatever the machine's load. */
    function* steps(): Generator<number, string, void> {
      for (let position = 1; position <= 60; position++) {
        const busyUntil = performance.now() + 1;
        while (performance.now() < busyUntil);
        yield position;
      }
      return 'done';
    }
    let servedBetween = false;
    setImmediate(() => (servedBetween = true));
    const positions: number[] = [];
    const result = await runInSlices(steps(), (position) => positions.push(position));
    expect(result).toBe('done');
    expect(servedBetween).toBe(true);
    expect(positions.length).toBeGreaterThan(0);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });
});
