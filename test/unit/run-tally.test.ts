import { describe, expect, it } from 'vitest';
import { RunTally } from '../../src/views/tally.js';

describe('RunTally.summary', () => {
  it('names failure kinds in words, never "(exit 2)" which reads like an exit code', () => {
    const tally = new RunTally();
    tally.apply({ type: 'run:start', command: 'x', hosts: ['a', 'b', 'c', 'd', 'e', 'f'], at: 0 });
    tally.apply({ type: 'host:done', host: 'a', ok: true, durationMs: 1 });
    tally.apply({ type: 'host:done', host: 'b', ok: true, durationMs: 1 });
    tally.apply({ type: 'host:done', host: 'c', ok: false, failure: 'exit', exitCode: 2, durationMs: 1 });
    tally.apply({ type: 'host:done', host: 'd', ok: false, failure: 'exit', exitCode: 1, durationMs: 1 });
    tally.apply({ type: 'host:done', host: 'e', ok: false, failure: 'connect', durationMs: 1 });
    tally.apply({ type: 'host:done', host: 'f', ok: false, failure: 'interrupted', durationMs: 1 });
    expect(tally.summary(1200)).toBe(
      '6 hosts: 2 ok, 1 interrupted, 3 failed: 2 non-zero exit, 1 cannot connect in 1.2s',
    );
  });

  it('an all-ok run says only that', () => {
    const tally = new RunTally();
    tally.apply({ type: 'run:start', command: 'x', hosts: ['a'], at: 0 });
    tally.apply({ type: 'host:done', host: 'a', ok: true, durationMs: 1 });
    expect(tally.summary(500)).toBe('1 host: 1 ok in 500ms');
  });
});
