import { describe, expect, it } from 'vitest';
import { pollUntil, withDeadline } from '../../src/core/poll.js';
import { FleetError } from '../../src/core/errors.js';
import { rejectedFleetError } from '../helpers/fleet-error.js';

const never = (): Promise<never> => new Promise(() => undefined);

describe('pollUntil', () => {
  it('returns the first defined answer', async () => {
    let n = 0;
    const value = await pollUntil('three', async () => (++n >= 3 ? n : undefined), {
      timeoutMs: 5000,
      signal: new AbortController().signal,
      initialDelayMs: 1,
    });
    expect(value).toBe(3);
  });

  it('an attempt that never answers (ignoring its signal) ends at its deadline and is retried', async () => {
    let calls = 0;
    const value = await pollUntil('a hung engine', async () => (++calls === 1 ? never() : 'ok'), {
      timeoutMs: 10_000,
      signal: new AbortController().signal,
      attemptMs: 1000,
      initialDelayMs: 1,
    });
    expect(value).toBe('ok');
    expect(calls).toBe(2);
  });

  it('gives up with a timeout naming what it waited for and the last failure', async () => {
    const err = await rejectedFleetError(
      pollUntil('the node', async () => Promise.reject(new Error('HTTP 503')), {
        timeoutMs: 1200,
        signal: new AbortController().signal,
        initialDelayMs: 100,
      }),
    );
    expect(err.code).toBe('timeout');
    expect(err.message).toMatch(/the node.*last: HTTP 503/);
  });

  it('retryErrors false: a refused attempt is thrown as it is', async () => {
    const refused = new FleetError('docker', 'refused');
    await expect(
      pollUntil('x', async () => Promise.reject(refused), {
        timeoutMs: 5000,
        signal: new AbortController().signal,
        retryErrors: false,
      }),
    ).rejects.toBe(refused);
  });

  it('Ctrl-C ends the wait with interrupted', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const err = await rejectedFleetError(
      pollUntil('x', () => never(), { timeoutMs: 60_000, signal: controller.signal }),
    );
    expect(err.code).toBe('interrupted');
  });
});

describe('withDeadline', () => {
  it('rejects with a retryable timeout and aborts the call when no answer comes', async () => {
    let aborted = false;
    const err = await rejectedFleetError(
      withDeadline('GET /nodes', 100, undefined, (signal) => {
        signal.addEventListener('abort', () => (aborted = true));
        return never();
      }),
    );
    expect(err.code).toBe('timeout');
    expect(err.retryable).toBe(true);
    expect(aborted).toBe(true);
  });

  it('Ctrl-C ends the wait at once even when the call ignores its signal (issue 8: Ctrl-C hung a run)', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const err = await rejectedFleetError(
      withDeadline('GET /info', 60_000, controller.signal, () => new Promise<never>(() => undefined)),
    );
    expect(err.code).toBe('interrupted');
    expect(err.message).toContain('GET /info');
  });

  it('passes the answer through', async () => {
    await expect(withDeadline('x', 1000, undefined, async () => 7)).resolves.toBe(7);
  });
});
