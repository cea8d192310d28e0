import { describe, expect, it } from 'vitest';
import { foldHosts } from '../../src/core/host-range.js';
import { groupOutputs, type GroupableResult } from '../../src/core/output-groups.js';

const ok = (id: string, stdout: string, exitCode: number | null = 0): GroupableResult => ({
  id,
  exitCode,
  stdout,
  stderr: '',
  error: null,
});
const fold = (ids: string[]) => foldHosts(ids);

describe('groupOutputs', () => {
  it('folds 15 identical outputs into one group labelled agx-[01-15] (15)', () => {
    const ids = Array.from({ length: 15 }, (_, i) => `agx-${String(i + 1).padStart(2, '0')}`);
    const groups = groupOutputs(
      ids.map((id) => ok(id, 'Ubuntu 18.04\n')),
      fold,
    );
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({ label: 'agx-[01-15] (15)', stdout: 'Ubuntu 18.04\n', exitCode: 0 });
  });

  it('splits on a different exit code even with the same output', () => {
    const groups = groupOutputs([ok('a1', 'x'), ok('a2', 'x', 1), ok('a3', 'x')], fold);
    expect(groups.map((g) => g.label)).toEqual(['a[1,3] (2)', 'a2 (1)']);
  });

  it('splits on stderr and on the failure reason', () => {
    const refused: GroupableResult = {
      id: 'b1',
      exitCode: null,
      stdout: '',
      stderr: '',
      error: 'connection refused',
    };
    const groups = groupOutputs(
      [
        ok('b0', 'x'),
        { ...ok('b2', 'x'), stderr: 'warn' },
        refused,
        { ...refused, id: 'b3' },
        { ...refused, id: 'b4', error: 'timed out' },
      ],
      fold,
    );
    expect(groups.map((g) => g.label)).toEqual(['b0 (1)', 'b2 (1)', 'b[1,3] (2)', 'b4 (1)']);
  });

  it('keeps the order of first appearance and never merges outputs that only look alike', () => {
    const groups = groupOutputs([ok('h2', 'a\nb'), ok('h1', 'a'), ok('h3', 'a\nb')], fold);
    expect(groups.map((g) => g.hosts)).toEqual([['h2', 'h3'], ['h1']]);
  });

  it('cut outputs whose kept halves match but whose full content differs stay apart', () => {
    const groups = groupOutputs(
      [
        { ...ok('h1', 'head…tail'), fingerprint: 'sha-a' },
        { ...ok('h2', 'head…tail'), fingerprint: 'sha-b' },
        { ...ok('h3', 'head…tail'), fingerprint: 'sha-a' },
      ],
      fold,
    );
    expect(groups.map((g) => g.label)).toEqual(['h[1,3] (2)', 'h2 (1)']);
  });
});
