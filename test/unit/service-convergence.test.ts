import { describe, expect, it } from 'vitest';
import {
  describeConvergence,
  serviceConvergence,
  type ConvergenceTask,
} from '../../src/core/service-convergence.js';

let n = 0;
const task = (over: Partial<ConvergenceTask>): ConvergenceTask => ({
  id: `t${++n}`,
  slot: 1,
  nodeId: 'n1',
  desiredState: 'running',
  state: 'running',
  message: '',
  err: '',
  createdAt: `2026-01-01T00:00:${String(n).padStart(2, '0')}Z`,
  ...over,
});

describe('serviceConvergence', () => {
  it('is done when every slot runs its newest task', () => {
    const tasks = [task({ slot: 1 }), task({ slot: 2, nodeId: 'n2' }), task({ slot: 3 })];
    const c = serviceConvergence({ mode: 'replicated', replicas: 3 }, tasks);
    expect(c).toMatchObject({ desired: 3, running: 3, done: true, problems: [] });
    expect(describeConvergence(c)).toBe('3/3 running');
  });

  it('waits while tasks are pending, and while tasks being removed still run (scale down)', () => {
    const pending = serviceConvergence({ mode: 'replicated', replicas: 2 }, [
      task({ slot: 1 }),
      task({ slot: 2, state: 'preparing' }),
    ]);
    expect(pending.done).toBe(false);
    expect(describeConvergence(pending)).toBe('1/2 running (preparing 1)');
    const down = serviceConvergence({ mode: 'replicated', replicas: 1 }, [
      task({ slot: 1 }),
      task({ slot: 2, desiredState: 'remove', state: 'running' }),
    ]);
    expect(down.done).toBe(false);
  });

  it('names why a task cannot be placed, counted, with the nodes', () => {
    const err = 'no suitable node (scheduling constraints not satisfied on 3 nodes)';
    const c = serviceConvergence({ mode: 'replicated', replicas: 2 }, [
      task({ slot: 1, state: 'pending', nodeId: '', err }),
      task({ slot: 2, state: 'pending', nodeId: '', err }),
    ]);
    expect(c.done).toBe(false);
    expect(c.problems).toEqual([`2 tasks: ${err}`]);
  });

  it('names a failed task of a slot waiting for its retry (image not found)', () => {
    const c = serviceConvergence(
      { mode: 'replicated', replicas: 1 },
      [
        task({ slot: 1, state: 'rejected', desiredState: 'shutdown', err: 'No such image: nope:1' }),
        task({ slot: 1, state: 'pending' }),
      ],
      { n1: 'agx-01' },
    );
    expect(c.problems).toEqual(['1 task on agx-01: No such image: nope:1']);
  });

  it('an old failure does not count once the service runs', () => {
    const c = serviceConvergence({ mode: 'replicated', replicas: 1 }, [
      task({ slot: 1, state: 'failed', desiredState: 'shutdown', err: 'exit 1' }),
      task({ slot: 1 }),
    ]);
    expect(c).toMatchObject({ done: true, problems: [] });
  });

  it('is not done while an update runs, and fatal when it paused', () => {
    const tasks = [task({ slot: 1 })];
    expect(serviceConvergence({ mode: 'replicated', replicas: 1, updateState: 'updating' }, tasks).done).toBe(
      false,
    );
    const paused = serviceConvergence(
      {
        mode: 'replicated',
        replicas: 1,
        updateState: 'paused',
        updateMessage: 'update paused due to failure',
      },
      tasks,
    );
    expect(paused.fatal).toBe('update paused: update paused due to failure');
  });

  it('global services want one task per node the scheduler picked', () => {
    const c = serviceConvergence({ mode: 'global' }, [
      task({ slot: undefined, nodeId: 'n1' }),
      task({ slot: undefined, nodeId: 'n2', state: 'starting' }),
    ]);
    expect(c).toMatchObject({ desired: 2, running: 1, done: false });
  });
});
