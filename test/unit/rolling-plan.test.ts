import { describe, expect, it } from 'vitest';
import {
  checkAllAtOnce,
  checkWaveQuorum,
  defaultBatch,
  rollingWaves,
  type RollingNode,
} from '../../src/core/rolling-plan.js';

const node = (id: string, role: RollingNode['role']): RollingNode => ({ id, role });
const ids = (waves: RollingNode[][]) => waves.map((w) => w.map((n) => n.id));

describe('rolling reboot order', () => {
  it('default batch: one at a time up to 10 workers, then 10 % rounded down', () => {
    expect([0, 1, 10, 11, 19, 20, 55].map(defaultBatch)).toEqual([1, 1, 1, 1, 1, 2, 5]);
  });
  it('managers one at a time first, then workers and non-swarm hosts in batches', () => {
    const nodes = [
      node('w1', 'worker'),
      node('m1', 'manager'),
      node('x', 'none'),
      node('w2', 'worker'),
      node('m2', 'manager'),
    ];
    expect(ids(rollingWaves(nodes))).toEqual([['m1'], ['m2'], ['w1'], ['x'], ['w2']]);
    expect(ids(rollingWaves(nodes, { batch: 2 }))).toEqual([['m1'], ['m2'], ['w1', 'x'], ['w2']]);
    expect(ids(rollingWaves(nodes, { allAtOnce: true }))).toEqual([['w1', 'm1', 'x', 'w2', 'm2']]);
  });
  it('--all-at-once is refused when the managers it takes down would lose quorum, unless forced', () => {
    expect(() => checkAllAtOnce(3, 3, false)).toThrow(/reboot 3 of 3 managers together; the swarm needs 2/);
    expect(() => checkAllAtOnce(2, 5, false)).not.toThrow();
    expect(() => checkAllAtOnce(3, 5, false)).toThrow(/quorum|needs 3/);
    expect(() => checkAllAtOnce(3, 3, true)).not.toThrow();
    expect(() => checkAllAtOnce(0, 3, false)).not.toThrow();
  });

  it('a manager wave is refused only when it would take the last quorum margin of 3+ managers', () => {
    const words = 'restarting Docker on';
    expect(() => checkWaveQuorum(words, ['m1'], 3, 2)).not.toThrow();
    expect(() => checkWaveQuorum(words, ['m1'], 3, 1)).toThrow(
      /restarting Docker on m1 would lose quorum: 1 of 3 managers left, 2 needed/,
    );
    expect(() => checkWaveQuorum(words, ['m1'], 5, 3)).not.toThrow();
    expect(() => checkWaveQuorum('rebooting', ['m1'], 5, 2)).toThrow(
      /rebooting m1 .*2 of 5 managers left, 3 needed/,
    );
    expect(() => checkWaveQuorum(words, ['m1'], 1, 0)).not.toThrow();
    expect(() => checkWaveQuorum(words, ['m1'], 2, 1)).not.toThrow();
  });
});
