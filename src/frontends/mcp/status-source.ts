/**
 * Where fleet_status gets its answer: the shared cluster observer (frontends/shared/status-observer.ts),
 * started on the first fleet_status call and stopped with the server. A call is answered from the
 * newest round when that round started at most STATUS_MAX_AGE_MS before the call and after the last
 * change a tool made (a drain, a scale…); otherwise it waits for a new round. `fresh: true` always
 * waits for a round started after the call. The loop pauses when no fleet_status came for
 * STATUS_IDLE_AFTER_MS, so an idle server does not probe the hosts forever.
 */
import type { HostTarget } from '../../core/host.js';
import { EventBus } from '../../runtime/events.js';
import type { Session } from '../../runtime/session.js';
import {
  startStatusObserver,
  type StatusObserver,
  type StatusObserverOptions,
  type StatusSnapshot,
} from '../shared/status-observer.js';

/** A warm fleet_status answer comes from a round started at most this long before the call. */
export const STATUS_MAX_AGE_MS = 10_000;
/** Pause between two rounds while the observer runs. */
export const STATUS_INTERVAL_MS = 2_000;
/** No fleet_status for this long: the observer pauses until the next one. */
export const STATUS_IDLE_AFTER_MS = 5 * 60_000;
/**
 * Per-host deadline of a round: a host whose link was cut is reported unreachable instead of
 * holding the round. Generous, as the CLI's metrics script's own 15 s: a busy Jetson is slow, not down.
 */
export const STATUS_PROBE_TIMEOUT_MS = 15_000;

/** The earliest round start a call accepts (pure; the unit test reads the rules from here). */
export function acceptedSince(now: number, o: { fresh?: boolean; changedAt: number }): number {
  return Math.max(now - STATUS_MAX_AGE_MS, o.changedAt, o.fresh ? now : -Infinity);
}

export interface StatusAnswer {
  snapshot: StatusSnapshot;
  /** How old the answer is when it goes back: now − the round's start. */
  ageMs: number;
}

export class StatusSource {
  private observer: Promise<StatusObserver> | undefined;
  private changedAt = 0;
  private stopped = false;

  constructor(
    private readonly session: Session,
    private readonly o: Pick<StatusObserverOptions, 'concurrency' | 'sudo'>,
  ) {}

  /** A tool that changes the cluster has ended: no round started before now answers a later call. */
  changed(): void {
    this.changedAt = Date.now();
  }

  async answer(
    hosts: () => Promise<HostTarget[]>,
    o: { fresh?: boolean; signal?: AbortSignal },
  ): Promise<StatusAnswer> {
    const since = acceptedSince(Date.now(), { fresh: o.fresh, changedAt: this.changedAt });
    this.observer ??= hosts().then((list) =>
      startStatusObserver(this.session, {
        hosts: list,
        concurrency: this.o.concurrency,
        sudo: this.o.sudo,
        intervalMs: STATUS_INTERVAL_MS,
        probeTimeoutMs: STATUS_PROBE_TIMEOUT_MS,
        idleAfterMs: STATUS_IDLE_AFTER_MS,
        // Its rounds' events are not any call's progress, and a warning every 2 s would flood stderr.
        bus: new EventBus(),
      }),
    );
    // A nodes.yml that failed to load is not kept: the next call tries again.
    const observer = await this.observer.catch((err: unknown) => {
      this.observer = undefined;
      throw err;
    });
    if (this.stopped) observer.stop();
    const snapshot = await observer.current(since, o.signal);
    return { snapshot, ageMs: Math.max(0, Date.now() - snapshot.startedAt) };
  }

  /** Ends the loop (the server is closing). */
  async stop(): Promise<void> {
    this.stopped = true;
    const observer = await this.observer?.catch(() => undefined);
    observer?.stop();
  }
}
