/**
 * The shared cluster observer's rules (frontends/shared/status-observer.ts), with its round replaced
 * by a function the test finishes by hand: which round answers a call, that a call needing a newer
 * round starts one at once, that a failed round rejects its callers and the loop goes on, the idle
 * pause, and stop. Plus fleet_status's acceptance rule (mcp/status-source.ts acceptedSince).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FleetError } from '../../src/core/errors.js';
import { acceptedSince, STATUS_MAX_AGE_MS } from '../../src/frontends/mcp/status-source.js';
import {
  startStatusObserver,
  type StatusObserver,
  type StatusObserverOptions,
} from '../../src/frontends/shared/status-observer.js';
import type { StatusResult } from '../../src/ops/status/run.js';
import type { Session } from '../../src/runtime/session.js';

const session = {
  begin: (o: { signal: AbortSignal }) => ({ signal: o.signal, end: () => Promise.resolve() }),
} as unknown as Session;

/** Rounds that end when the test says so; each result names its round number. */
function manualRounds() {
  const pending: { n: number; finish: (fail?: boolean) => void }[] = [];
  let started = 0;
  const round: StatusObserverOptions['round'] = () =>
    new Promise<StatusResult>((resolve, reject) => {
      const n = ++started;
      pending.push({
        n,
        finish: (fail) =>
          fail
            ? reject(new FleetError('connect', `round ${n} failed`))
            : resolve({ timestamp: `round-${n}` } as StatusResult),
      });
    });
  const next = async (): Promise<{ n: number; finish: (fail?: boolean) => void }> => {
    for (let i = 0; i < 500 && pending.length === 0; i++) await new Promise((r) => setTimeout(r, 2));
    const p = pending.shift();
    if (!p) throw new Error('no round started');
    return p;
  };
  return { round, next, started: () => started };
}

let observer: StatusObserver | undefined;
afterEach(() => observer?.stop());

function start(rounds: ReturnType<typeof manualRounds>, over: Partial<StatusObserverOptions> = {}) {
  observer = startStatusObserver(session, {
    hosts: [],
    intervalMs: 3_600_000,
    probeTimeoutMs: 1000,
    concurrency: 1,
    round: rounds.round,
    ...over,
  });
  return observer;
}

describe('status observer', () => {
  it('answers from the newest round while it is recent enough, without another round', async () => {
    const rounds = manualRounds();
    const o = start(rounds);
    const first = o.current(Date.now() - 10_000);
    (await rounds.next()).finish();
    expect((await first).status.timestamp).toBe('round-1');
    const again = await o.current(Date.now() - 10_000);
    expect(again.status.timestamp).toBe('round-1');
    expect(rounds.started()).toBe(1);
  });

  it('starts a round at once for a call that needs a newer one (the interval is an hour)', async () => {
    const rounds = manualRounds();
    const o = start(rounds);
    const first = o.current(0);
    (await rounds.next()).finish();
    await first;
    await new Promise((r) => setTimeout(r, 5));
    const asked = Date.now();
    const fresh = o.current(asked);
    (await rounds.next()).finish();
    const got = await fresh;
    expect(got.status.timestamp).toBe('round-2');
    expect(got.startedAt).toBeGreaterThanOrEqual(asked);
  });

  it('a round running since before the call does not answer it; the next one does', async () => {
    const rounds = manualRounds();
    const o = start(rounds);
    const running = await rounds.next();
    await new Promise((r) => setTimeout(r, 5));
    const call = o.current(Date.now());
    running.finish();
    (await rounds.next()).finish();
    expect((await call).status.timestamp).toBe('round-2');
  });

  it("a failed round rejects its callers with the round's error, and the loop goes on", async () => {
    const rounds = manualRounds();
    const o = start(rounds);
    const call = o.current(0);
    (await rounds.next()).finish(true);
    await expect(call).rejects.toThrow('round 1 failed');
    const retry = o.current(0);
    (await rounds.next()).finish();
    expect((await retry).status.timestamp).toBe('round-2');
  });

  it('pauses when nobody asks (idleAfterMs) and resumes on the next call', async () => {
    const rounds = manualRounds();
    const o = start(rounds, { intervalMs: 1, idleAfterMs: 0 });
    const call = o.current(0);
    (await rounds.next()).finish();
    await call;
    // Not paused, an interval of 1 ms would have started dozens of rounds by now.
    await new Promise((r) => setTimeout(r, 100));
    expect(rounds.started()).toBe(1);
    const resumed = o.current(Date.now());
    (await rounds.next()).finish();
    expect((await resumed).status.timestamp).toBe('round-2');
  });

  it('stop() rejects the calls still waiting', async () => {
    const rounds = manualRounds();
    const o = start(rounds);
    const call = o.current(Date.now() + 60_000);
    o.stop();
    (await rounds.next()).finish();
    await expect(call).rejects.toMatchObject({ code: 'interrupted' });
  });
});

describe('fleet_status acceptance (acceptedSince)', () => {
  it('accepts a round started within the bound, after the last change, after the call when fresh', () => {
    const now = 1_000_000;
    expect(acceptedSince(now, { changedAt: 0 })).toBe(now - STATUS_MAX_AGE_MS);
    expect(acceptedSince(now, { changedAt: now - 1000 })).toBe(now - 1000);
    expect(acceptedSince(now, { changedAt: 0, fresh: true })).toBe(now);
  });
});
