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
  it('runs a loader to its result, yielding to the event loop between slices', async () => {
    function* steps(): Generator<number, string, void> {
      const end = Date.now() + 60;
      let position = 0;
      while (Date.now() < end) yield ++position;
      return 'done';
    }
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const positions: number[] = [];
    const result = await runInSlices(steps(), (position) => positions.push(position));
    clearInterval(timer);
    expect(result).toBe('done');
    // 60 ms of work in slices of about 20 ms: timers ran in between, progress was reported.
    expect(ticks).toBeGreaterThan(0);
    expect(positions.length).toBeGreaterThan(0);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });
});
