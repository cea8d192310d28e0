/** src/runtime/for-each-host.ts: the one fan-out (order, concurrency cap, a throw rejects). */
import { describe, expect, it } from 'vitest';
import { forEachHost } from '../../src/runtime/for-each-host.js';

/** Work that records how many run at once and finishes in reverse order of start. */
function tracked(): { work: (n: number, i: number) => Promise<string>; peak: () => number } {
  let running = 0;
  let peak = 0;
  return {
    peak: () => peak,
    async work(n, i) {
      running++;
      peak = Math.max(peak, running);
      // Later items finish sooner: results must still come back in input order.
      await new Promise((r) => setTimeout(r, 20 - n));
      running--;
      return `${n}@${i}`;
    },
  };
}

describe('forEachHost', () => {
  it('returns results in input order, whatever order they finish in', async () => {
    const t = tracked();
    const items = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect(await forEachHost(items, { concurrency: 10 }, t.work)).toEqual(items.map((n, i) => `${n}@${i}`));
  });

  it('never runs more than `concurrency` at once', async () => {
    const t = tracked();
    await forEachHost([0, 1, 2, 3, 4, 5, 6, 7], { concurrency: 3 }, t.work);
    expect(t.peak()).toBe(3);
  });

  it('treats a concurrency below 1 as 1 (no hang, no error)', async () => {
    const t = tracked();
    expect(await forEachHost([1, 2, 3], { concurrency: 0 }, t.work)).toEqual(['1@0', '2@1', '3@2']);
    expect(t.peak()).toBe(1);
  });

  it('rejects the whole call when one work function throws', async () => {
    await expect(
      forEachHost(['a', 'b', 'c'], { concurrency: 2 }, async (x) => {
        if (x === 'b') throw new Error('boom on b');
        return x;
      }),
    ).rejects.toThrow('boom on b');
  });

  it('returns [] for no items without calling work', async () => {
    let calls = 0;
    expect(await forEachHost([], { concurrency: 4 }, async () => ++calls)).toEqual([]);
    expect(calls).toBe(0);
  });
  it('resize: a raised bound starts the queued items at once, without waiting for those running', async () => {
    let setConcurrency = (n: number): void => void n;
    const gates: Array<() => void> = [];
    const started: number[] = [];
    const run = forEachHost(
      [0, 1, 2, 3, 4, 5],
      { concurrency: 2, resize: (set) => (setConcurrency = set) },
      (n) =>
        new Promise<number>((resolve) => {
          started.push(n);
          gates[n] = () => resolve(n);
        }),
    );
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1]);
    setConcurrency(10);
    await new Promise((r) => setImmediate(r));
    // 0 and 1 are still running: the other four started anyway.
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    for (const open of gates) open();
    expect(await run).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
