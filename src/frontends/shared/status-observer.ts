/**
 * THE cluster observer of the long-lived front ends (the web view and the MCP server): a loop over
 * the `fleet status` operation (ops/status/run.ts) on the front end's one session, a round every
 * intervalMs, keeping the newest snapshot. The web view pushes every round to its pages; the MCP
 * server answers fleet_status from the newest snapshot when it is recent enough (`current`), so a
 * warm call costs no SSH round trip. A round that fails (no manager answers) is reported and the
 * loop goes on.
 */
import { FleetError, toFleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import { sleep } from '../../core/poll.js';
import type { StatusResult } from '../../ops/status/run.js';
import type { EventBus } from '../../runtime/events.js';
import type { Session } from '../../runtime/session.js';
import type { Runtime } from '../../runtime/types.js';

export interface StatusObserverOptions {
  hosts: HostTarget[];
  /** Pause between the end of a round and the start of the next. */
  intervalMs: number;
  /** A host that has not answered by then is reported unreachable (a cut link never answers). */
  probeTimeoutMs: number;
  concurrency: number;
  sudo?: boolean;
  /** Every task meant to run, with its node (the web view's details panel). */
  tasks?: boolean;
  /** Where the rounds' events go (default: the session's bus). */
  bus?: EventBus;
  /**
   * Set: the loop pauses once nobody has called current() for this long (an MCP server an agent
   * stopped using does not probe the hosts forever); the next current() resumes it.
   */
  idleAfterMs?: number;
  onSnapshot?(snapshot: StatusSnapshot): void;
  onError?(error: FleetError): void;
  /** One round; default ops/status run. Unit tests replace it. */
  round?(rt: Runtime, o: StatusObserverOptions): Promise<StatusResult>;
}

export interface StatusSnapshot {
  status: StatusResult;
  /** When the round started (ms since the epoch): nothing in it is older. */
  startedAt: number;
  /** When the round ended. */
  observedAt: number;
}

export interface StatusObserver {
  readonly latest: StatusSnapshot | undefined;
  /**
   * A snapshot whose round started at `notBefore` or later: the newest one when it qualifies, else
   * that of the next round, started at once. Rejects with that round's error when it fails.
   */
  current(notBefore: number, signal?: AbortSignal): Promise<StatusSnapshot>;
  /** Runs a round now (after an action) instead of waiting for the next tick. */
  poke(): void;
  stop(): void;
}

interface Waiter {
  notBefore: number;
  resolve(s: StatusSnapshot): void;
  reject(e: FleetError): void;
}

async function statusRound(rt: Runtime, o: StatusObserverOptions): Promise<StatusResult> {
  const { run } = await import('../../ops/status/run.js');
  const { hosts, concurrency, sudo, probeTimeoutMs, tasks } = o;
  return run({ hosts, concurrency, sudo, probeTimeoutMs, tasks }, rt);
}

/** A pause longer than any session: a paused loop waits for a poke (setTimeout's maximum). */
const PAUSED_MS = 2 ** 31 - 1;

export function startStatusObserver(session: Session, o: StatusObserverOptions): StatusObserver {
  // ~80 lines: one loop and the waiters it settles, sharing their state through the closure.
  const stopped = new AbortController();
  let wake = new AbortController();
  // A poke during a round must not be lost when the next round's wake signal is made.
  let poked = false;
  let latest: StatusSnapshot | undefined;
  /** Start of the round running now; undefined while the loop sleeps. */
  let running: number | undefined;
  let lastAsked = Date.now();
  const waiters = new Set<Waiter>();
  const round = o.round ?? statusRound;

  const settle = (startedAt: number, outcome: StatusSnapshot | FleetError): void => {
    for (const w of waiters) {
      if (startedAt < w.notBefore) continue;
      waiters.delete(w);
      if (outcome instanceof FleetError) w.reject(outcome);
      else w.resolve(outcome);
    }
  };
  const idle = (): boolean =>
    o.idleAfterMs !== undefined && waiters.size === 0 && Date.now() - lastAsked >= o.idleAfterMs;

  const loop = async (): Promise<void> => {
    while (!stopped.signal.aborted) {
      poked = false;
      wake = new AbortController();
      const startedAt = Date.now();
      running = startedAt;
      const rt = session.begin({ signal: stopped.signal, bus: o.bus });
      try {
        const status = await round(rt, o);
        latest = { status, startedAt, observedAt: Date.now() };
        settle(startedAt, latest);
        o.onSnapshot?.(latest);
      } catch (err) {
        if (stopped.signal.aborted) break;
        const error = toFleetError(err);
        settle(startedAt, error);
        o.onError?.(error);
      } finally {
        running = undefined;
        await rt.end();
      }
      if (poked || waiters.size > 0) continue;
      await sleep(idle() ? PAUSED_MS : o.intervalMs, AbortSignal.any([stopped.signal, wake.signal]));
    }
    const gone = new FleetError('interrupted', 'the status observer stopped');
    for (const w of waiters) w.reject(gone);
    waiters.clear();
  };
  void loop();

  const poke = (): void => {
    poked = true;
    wake.abort();
  };
  return {
    get latest() {
      return latest;
    },
    current(notBefore, signal) {
      lastAsked = Date.now();
      if (latest && latest.startedAt >= notBefore) return Promise.resolve(latest);
      if (stopped.signal.aborted) {
        return Promise.reject(new FleetError('interrupted', 'the status observer stopped'));
      }
      return new Promise<StatusSnapshot>((resolve, reject) => {
        const onAbort = (): void => {
          waiters.delete(w);
          reject(new FleetError('interrupted', 'interrupted while waiting for a status round'));
        };
        const w: Waiter = {
          notBefore,
          resolve: (s) => {
            signal?.removeEventListener('abort', onAbort);
            resolve(s);
          },
          reject: (e) => {
            signal?.removeEventListener('abort', onAbort);
            reject(e);
          },
        };
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        waiters.add(w);
        // A round running now that started late enough answers at its end; otherwise one starts now
        // (or right after the running one).
        if (running === undefined || running < notBefore) poke();
      });
    },
    poke,
    stop: () => stopped.abort(),
  };
}
