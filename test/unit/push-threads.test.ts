import { describe, expect, it } from 'vitest';
import { FleetError } from '../../src/core/errors.js';
import {
  MAX_PUSH_THREADS,
  parsePushThreads,
  pushThreadCount,
  THREADS_MIN_BYTES,
} from '../../src/core/push-threads.js';
import { shares } from '../../src/ops/push/threads.js';

const MB = 1024 * 1024;

describe('pushThreadCount', () => {
  it('spreads a large push over the cores, at most one thread per host and MAX_PUSH_THREADS', () => {
    expect(pushThreadCount({ cpus: 2, hosts: 16, bytesPerHost: 50 * MB })).toBe(2);
    expect(pushThreadCount({ cpus: 64, hosts: 16, bytesPerHost: 50 * MB })).toBe(MAX_PUSH_THREADS);
    expect(pushThreadCount({ cpus: 8, hosts: 3, bytesPerHost: 50 * MB })).toBe(3);
    expect(pushThreadCount({ cpus: 2, hosts: 16, bytesPerHost: 8 * MB })).toBe(2);
  });

  it('keeps small pushes, one host and one core on the main thread', () => {
    expect(pushThreadCount({ cpus: 2, hosts: 16, bytesPerHost: 1024 })).toBe(1);
    // 2,000 small files (3 MB) to 16 hosts: the main thread is already the fastest there.
    expect(pushThreadCount({ cpus: 2, hosts: 16, bytesPerHost: 3 * MB })).toBe(1);
    expect(pushThreadCount({ cpus: 2, hosts: 2, bytesPerHost: THREADS_MIN_BYTES / 2 - 1 })).toBe(1);
    expect(pushThreadCount({ cpus: 2, hosts: 2, bytesPerHost: THREADS_MIN_BYTES / 2 })).toBe(2);
    expect(pushThreadCount({ cpus: 2, hosts: 1, bytesPerHost: 500 * MB })).toBe(1);
    expect(pushThreadCount({ cpus: 1, hosts: 16, bytesPerHost: 500 * MB })).toBe(1);
  });

  it('an explicit count wins, but never more threads than hosts', () => {
    expect(pushThreadCount({ cpus: 1, hosts: 4, bytesPerHost: 10, requested: 3 })).toBe(3);
    expect(pushThreadCount({ cpus: 8, hosts: 16, bytesPerHost: 50 * MB, requested: 1 })).toBe(1);
    expect(pushThreadCount({ cpus: 8, hosts: 2, bytesPerHost: 10, requested: 8 })).toBe(2);
  });
});

describe('parsePushThreads', () => {
  it('reads a whole number, unset or empty as no choice', () => {
    expect(parsePushThreads('2')).toBe(2);
    expect(parsePushThreads(undefined)).toBeUndefined();
    expect(parsePushThreads('')).toBeUndefined();
  });

  it('refuses anything else with a usage error naming the variable', () => {
    for (const bad of ['0', '-1', '1.5', 'two', '65']) {
      expect(() => parsePushThreads(bad)).toThrow(FleetError);
      expect(() => parsePushThreads(bad)).toThrow(/FLEET_PUSH_THREADS="/);
    }
  });
});

describe('shares', () => {
  it('deals hosts round-robin and makes no empty share', () => {
    expect(shares(5, 2)).toEqual([
      [0, 2, 4],
      [1, 3],
    ]);
    expect(shares(2, 4)).toEqual([[0], [1]]);
    expect(shares(0, 2)).toEqual([[]]);
  });
});
