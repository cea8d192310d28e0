/**
 * The one polling helper: ask until the answer is right, with backoff, an overall deadline and a
 * deadline per attempt. The per-attempt deadline matters as much as the overall one: an engine that
 * is starting, or a host whose link was cut, accepts (or silently drops) a request and never
 * answers, and one hung attempt must not outlive the overall timeout. No I/O here: `check` does it.
 */
import { FleetError } from './errors.js';

export interface PollOptions {
  /** Overall budget. */
  timeoutMs: number;
  /** Ctrl-C: stops the wait at once with an `interrupted` error. */
  signal: AbortSignal;
  host?: string;
  /** Deadline of one attempt (default 10 s, never more than what is left of the budget). */
  attemptMs?: number;
  /** First pause between attempts (default 200 ms), doubling up to maxDelayMs (default 2 s). */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /**
   * true (default): a failed attempt counts as "not yet" and the last error is named when the budget
   * runs out. false: the first failure other than an attempt deadline is thrown as it is.
   */
  retryErrors?: boolean;
  hint?: string;
}

/**
 * Polls `check` (given a signal that ends with the attempt) until it returns a value other than
 * undefined, or throws FleetError('timeout') naming `what` (and the last failure) after timeoutMs.
 */
export async function pollUntil<T>(
  what: string,
  check: (signal: AbortSignal) => Promise<T | undefined>,
  options: PollOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const attemptMs = options.attemptMs ?? 10_000;
  const maxDelay = options.maxDelayMs ?? 2000;
  let delay = Math.min(options.initialDelayMs ?? 200, maxDelay);
  let last = '';
  for (;;) {
    if (options.signal.aborted) {
      throw new FleetError('interrupted', `interrupted while waiting for ${what}`, { host: options.host });
    }
    const budget = Math.max(1000, Math.min(attemptMs, deadline - Date.now()));
    const attempt = AbortSignal.any([options.signal, AbortSignal.timeout(budget)]);
    let timer: NodeJS.Timeout | undefined;
    let attemptTimedOut = false;
    let onAbort = (): void => undefined;
    try {
      const value = await Promise.race([
        check(attempt),
        new Promise<never>((_, reject) => {
          // Backstop for calls that ignore their signal; Ctrl-C ends the attempt at once.
          timer = setTimeout(() => {
            attemptTimedOut = true;
            reject(new Error(`no answer within ${Math.round(budget / 1000)}s`));
          }, budget + 1000);
          onAbort = () => reject(new Error('interrupted'));
          options.signal.addEventListener('abort', onAbort, { once: true });
        }),
      ]);
      if (value !== undefined) return value;
    } catch (err) {
      if (options.signal.aborted) {
        throw new FleetError('interrupted', `interrupted while waiting for ${what}`, { host: options.host });
      }
      const timedOut = attemptTimedOut || attempt.aborted;
      if (options.retryErrors === false && !timedOut) throw err;
      last = timedOut
        ? `no answer within ${Math.round(budget / 1000)}s`
        : err instanceof Error
          ? err.message
          : String(err);
    } finally {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
    }
    if (Date.now() + delay > deadline) {
      throw new FleetError(
        'timeout',
        `gave up waiting for ${what} after ${Math.round(options.timeoutMs / 1000)}s${last ? ` (last: ${last})` : ''}`,
        { host: options.host, hint: options.hint },
      );
    }
    await sleep(delay, options.signal);
    delay = Math.min(delay * 2, maxDelay);
  }
}

/** A pause that ends early (without throwing) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs `fn` with a signal that ends after `ms` (or with `signal`), and rejects with
 * FleetError('timeout') when no answer came by then, even if `fn` ignores its signal.
 */
export async function withDeadline<T>(
  what: string,
  ms: number,
  signal: AbortSignal | undefined,
  fn: (signal: AbortSignal) => Promise<T>,
  host?: string,
): Promise<T> {
  const controller = new AbortController();
  // Ctrl-C ends the wait at once, even when `fn` ignores its signal (a channel being opened over a
  // cut link never answers): otherwise an interrupted run waits out the whole deadline.
  let rejectInterrupted: (err: FleetError) => void = () => undefined;
  const interrupted = new Promise<never>((_, reject) => (rejectInterrupted = reject));
  interrupted.catch(() => undefined);
  const onAbort = (): void => {
    controller.abort(signal?.reason);
    rejectInterrupted(new FleetError('interrupted', `${what} interrupted`, { host }));
  };
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      fn(controller.signal),
      interrupted,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const error = new FleetError('timeout', `${what}: no answer within ${Math.round(ms / 1000)}s`, {
            host,
            retryable: true,
          });
          controller.abort(error);
          reject(error);
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}
