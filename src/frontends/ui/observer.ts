/**
 * The web view's one observer: runs the `fleet status` operation (ops/status: every host's engine and
 * metrics, then the leader's nodes, services and tasks) on the UI's long-lived session every few
 * seconds and pushes each new snapshot to the pages. A round that fails (no manager answers) is
 * pushed as an observer-error and the loop goes on.
 */
import { toFleetError } from '../../core/errors.js';
import { sleep } from '../../core/poll.js';
import type { HostTarget } from '../../core/host.js';
import type { StatusResult } from '../../ops/status/run.js';
import type { Session } from '../../runtime/session.js';
import type { EventHub } from './hub.js';

export interface ObserverOptions {
  hosts: HostTarget[];
  intervalMs: number;
  /** A host that has not answered by then is shown unreachable (a cut link never answers). */
  probeTimeoutMs: number;
  concurrency: number;
  sudo?: boolean;
}

/** What a page needs besides the status: the inventory's own facts about each host. */
export interface InventoryCard {
  id: string;
  address: string;
  type: string | null;
  pinnedRole: 'manager' | 'worker' | null;
  labels: Record<string, string>;
}

export interface Snapshot {
  status: StatusResult;
  inventory: InventoryCard[];
}

export interface Observer {
  readonly latest: Snapshot | undefined;
  /** Runs a round now (after an action) instead of waiting for the next tick. */
  poke(): void;
  stop(): void;
}

export function inventoryCards(hosts: HostTarget[]): InventoryCard[] {
  return hosts.map((h) => ({
    id: h.id,
    address: h.address,
    type: h.type ?? null,
    pinnedRole: h.role ?? null,
    labels: h.labels ?? {},
  }));
}

export function startObserver(session: Session, hub: EventHub, o: ObserverOptions): Observer {
  const stopped = new AbortController();
  let wake = new AbortController();
  let latest: Snapshot | undefined;
  const inventory = inventoryCards(o.hosts);
  const loop = async (): Promise<void> => {
    const { run } = await import('../../ops/status/run.js');
    while (!stopped.signal.aborted) {
      const rt = session.begin({ signal: stopped.signal });
      try {
        const status = await run(
          {
            hosts: o.hosts,
            concurrency: o.concurrency,
            sudo: o.sudo,
            probeTimeoutMs: o.probeTimeoutMs,
            tasks: true,
          },
          rt,
        );
        latest = { status, inventory };
        hub.send({ type: 'snapshot', data: latest });
      } catch (err) {
        if (stopped.signal.aborted) break;
        hub.send({ type: 'observer-error', data: { message: toFleetError(err).message } });
      } finally {
        await rt.end();
      }
      wake = new AbortController();
      await sleep(o.intervalMs, AbortSignal.any([stopped.signal, wake.signal])).catch(() => undefined);
    }
  };
  void loop();
  return {
    get latest() {
      return latest;
    },
    poke: () => wake.abort(),
    stop: () => stopped.abort(),
  };
}
