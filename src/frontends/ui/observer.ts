/**
 * The web view's side of the cluster observer (frontends/shared/status-observer.ts, shared with the
 * MCP server): every round (`fleet status` with tasks, every few seconds) is pushed to the pages with
 * the inventory's own facts about each host; a round that fails is pushed as an observer-error.
 */
import type { HostTarget } from '../../core/host.js';
import type { StatusResult } from '../../ops/status/run.js';
import type { Session } from '../../runtime/session.js';
import { startStatusObserver } from '../shared/status-observer.js';
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
  const inventory = inventoryCards(o.hosts);
  let latest: Snapshot | undefined;
  const observer = startStatusObserver(session, {
    ...o,
    tasks: true,
    onSnapshot: ({ status }) => {
      latest = { status, inventory };
      hub.send({ type: 'snapshot', data: latest });
    },
    onError: (err) => hub.send({ type: 'observer-error', data: { message: err.message } }),
  });
  return {
    get latest() {
      return latest;
    },
    poke: () => observer.poke(),
    stop: () => observer.stop(),
  };
}
