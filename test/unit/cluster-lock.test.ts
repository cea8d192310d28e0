import { describe, expect, it } from 'vitest';
import {
  describeBusy,
  describeHolder,
  holderLine,
  lockHosts,
  parseLockReply,
  type LockHolder,
} from '../../src/core/cluster-lock.js';
import type { HostTarget } from '../../src/core/host.js';

function host(id: string, address: string, extra: Partial<HostTarget> = {}): HostTarget {
  return { id, address, port: 22, user: 'root', identityFiles: [], ...extra };
}

const holder: LockHolder = {
  host: 'laptop-a',
  user: 'alice',
  pid: 4242,
  since: '2026-11-30T04:20:11.123Z',
  command: 'fleet up',
};

describe('lockHosts', () => {
  const spark = host('spark', '10.77.2.2', { role: 'manager' });
  const agx = (n: number): HostTarget => host(`agx-${n}`, `10.77.2.${n + 2}`);
  const inventory = [spark, ...[1, 2, 3, 10].map(agx)];

  it('adds the pinned managers to any selection, so disjoint selections share a lock', () => {
    const a = lockHosts([agx(1)], inventory).map((h) => h.id);
    const b = lockHosts([agx(2)], inventory).map((h) => h.id);
    expect(a).toEqual(['spark', 'agx-1']);
    expect(b).toEqual(['spark', 'agx-2']);
  });

  it('locks every inventory host when nodes.yml pins no manager', () => {
    const unpinned = inventory.map((h) => ({ ...h, role: undefined }));
    expect(lockHosts([unpinned[2]!], unpinned)).toHaveLength(unpinned.length);
  });

  it('sorts numerically by address, whatever the selection order, and dedupes by address:port', () => {
    const ids = lockHosts([agx(10), agx(3), host('again', '10.77.2.12')], inventory).map((h) => h.id);
    expect(ids).toEqual(['spark', 'agx-3', 'agx-10']);
    const names = lockHosts([host('b', 'b.example'), host('a', '10.0.0.1'), host('c', 'A.example')]);
    expect(names.map((h) => h.id)).toEqual(['a', 'c', 'b']);
  });

  it('without an inventory locks exactly the selected hosts; another port is another host', () => {
    const ids = lockHosts([host('x', '10.0.0.1'), host('y', '10.0.0.1', { port: 2222 })]).map((h) => h.id);
    expect(ids).toEqual(['x', 'y']);
  });
});

describe('parseLockReply', () => {
  it('reads held, busy (with live holders), job and error answers', () => {
    expect(parseLockReply('fleet-lock held\n')).toEqual({ state: 'held' });
    const busy = parseLockReply(
      `fleet-lock busy cluster\nholder 77 ${holderLine(holder)}\nholder 78 {bad json\n`,
    );
    expect(busy).toEqual({ state: 'busy', what: 'cluster', holders: [holder] });
    expect(parseLockReply('fleet-lock busy job\nfleet backup job on agx-01\n')).toEqual({
      state: 'busy',
      what: 'job',
      detail: 'fleet backup job on agx-01',
    });
    expect(parseLockReply('fleet-lock error flock is not installed (util-linux)\n')).toEqual({
      state: 'error',
      message: 'flock is not installed (util-linux)',
    });
  });

  it('turns silence or noise into an error naming what came back', () => {
    expect(parseLockReply('')).toMatchObject({ state: 'error', message: /without an answer/ });
    expect(parseLockReply('sh: 1: syntax error\n')).toMatchObject({
      state: 'error',
      message: /syntax error/,
    });
  });
});

describe('holder descriptions', () => {
  it('names command, user, admin host, pid and time (no ms), on one line', () => {
    expect(describeHolder(holder)).toBe(
      'fleet up by alice on laptop-a (pid 4242) since 2026-11-30T04:20:11Z',
    );
    expect(holderLine({ ...holder, host: 'evil\nholder 1 {}' })).not.toContain('\n');
  });

  it('says why a host is busy', () => {
    expect(describeBusy({ state: 'busy', what: 'cluster', holders: [holder] })).toContain(
      'alice on laptop-a',
    );
    expect(describeBusy({ state: 'busy', what: 'cluster', holders: [] })).toContain('another fleet run');
    expect(describeBusy({ state: 'busy', what: 'job', detail: '' })).toContain('detached backup job');
  });
});
