import { describe, expect, it } from 'vitest';
import { FleetError } from '../../src/core/errors.js';
import {
  defaultManagerCount,
  describeQuorum,
  faultTolerance,
  managerCountAdvice,
  quorumSize,
  validateManagerCount,
  workersMayJoin,
} from '../../src/core/quorum.js';
import { catchFleetError } from '../helpers/fleet-error.js';

const usageError = (fn: () => unknown): FleetError => catchFleetError(fn, 'usage');

describe('quorum math', () => {
  it('defaults the manager count by cluster size after Docker guidance', () => {
    const table = [0, 1, 2, 3, 9, 10, 16, 19, 20, 200].map((n) => [n, defaultManagerCount(n)]);
    expect(table).toEqual([
      [0, 0],
      [1, 1],
      [2, 1],
      [3, 3],
      [9, 3],
      [10, 5],
      [16, 5],
      [19, 5],
      [20, 7],
      [200, 7],
    ]);
  });

  it('computes quorum and fault tolerance', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(quorumSize)).toEqual([1, 2, 2, 3, 3, 4, 4]);
    expect([1, 2, 3, 4, 5, 6, 7].map(faultTolerance)).toEqual([0, 0, 1, 1, 2, 2, 3]);
    expect(quorumSize(0)).toBe(0);
    expect(faultTolerance(0)).toBe(0);
    expect(describeQuorum(3)).toBe('3 managers: quorum 2, tolerates 1 failure');
    expect(describeQuorum(1)).toBe('1 manager: quorum 1, tolerates 0 failures');
  });

  it('refuses even counts with the quorum math, unless allowed', () => {
    const err = usageError(() => validateManagerCount(4, 10, false));
    expect(err.message).toBe(
      '4 managers tolerate 1 failure, the same as 3: quorum is 3 of 4, so the extra manager adds Raft traffic but no fault tolerance',
    );
    expect(err.hint).toBe('use 3 or 5, or pass --allow-even-managers');
    expect(usageError(() => validateManagerCount(2, 5, false)).message).toMatch(
      /^2 managers tolerate 0 failures, the same as 1/,
    );
    expect(validateManagerCount(4, 10, true)).toBe(4);
    expect(validateManagerCount(5, 10, false)).toBe(5);
  });

  it('refuses counts above the host count or below 1', () => {
    expect(usageError(() => validateManagerCount(5, 3, false)).message).toMatch(
      /more managers than the 3 hosts/,
    );
    expect(usageError(() => validateManagerCount(0, 3, false)).message).toMatch(/at least 1/);
    expect(usageError(() => validateManagerCount(1.5, 3, false)).message).toMatch(/whole number/);
  });

  it('advises against more than 7 managers', () => {
    expect(managerCountAdvice(7)).toBeUndefined();
    expect(managerCountAdvice(9)).toMatch(/at most 7/);
  });

  it('lets workers join alongside manager joins only once a manager can be lost', () => {
    // One or two managers: losing one leaves no leader to redo a worker join through.
    expect(workersMayJoin(1, 1)).toBe(false);
    expect(workersMayJoin(2, 2)).toBe(false);
    expect(workersMayJoin(3, 3)).toBe(true);
    // A seat whose manager is not reachable uses up the margin.
    expect(workersMayJoin(3, 2)).toBe(false);
    expect(workersMayJoin(4, 3)).toBe(false);
    expect(workersMayJoin(4, 4)).toBe(true);
    expect(workersMayJoin(0, 0)).toBe(false);
  });
});
