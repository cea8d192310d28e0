/**
 * Restore phase 1: the backup's manifest, the checks that refuse before anything is read or changed
 * (incomplete or damaged backup, nothing selected, the swarm onto one manager with its old address,
 * no live quorum), and where each item goes.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { FleetError } from '../../../core/errors.js';
import type { HostTarget } from '../../../core/host.js';
import { selectRestoreItems, type ManifestItem } from '../../../core/backup-manifest.js';
import { getBackup } from '../catalog.js';
import { pendingHostReport } from '../report.js';
import { refuseLiveSwarm, seeLiveQuorum } from '../restore-guard.js';
import type { RestoreState } from './state.js';

/**
 * Docker recovers a swarm backup only onto a host with the address it was taken from: the restored
 * raft state keeps advertising the old address even after `init --force-new-cluster --advertise-addr`,
 * and managers that join then look for the leader there and lose quorum (docker/for-linux#523,
 * docker/docs#7931; reproduced on the lab). A replacement machine must take over the old address.
 */
async function checkSameAddress(target: HostTarget, addr: string, origin: string): Promise<void> {
  let address = target.address;
  if (isIP(address) === 0) {
    address = await lookup(address).then(
      (r) => r.address,
      () => address,
    );
  }
  if (address !== addr) {
    throw new FleetError(
      'usage',
      `the swarm state was backed up from ${origin} at ${addr}; Docker can only recover it onto a host with that address, and ${target.id} has ${address}`,
      {
        host: target.id,
        hint: `give the replacement manager the address ${addr} (nodes.yml ip), then run fleet restore -n HOST --only swarm`,
      },
    );
  }
}

/** The host an item is restored onto: the swarm target for the swarm state and its key, else its origin. */
export function targetOf(s: RestoreState, item: ManifestItem): string {
  return item.kind === 'swarm' || item.kind === 'unlock-key' ? s.swarmTarget!.id : item.host;
}

export async function loadAndMap(s: RestoreState): Promise<void> {
  // Long (~90 lines) on purpose: reading the manifest, checking it and mapping each item onto a host are
  // one pass whose errors must name the item; split, the checks would need the same context passed around.
  const { o } = s;
  const { bus, store } = o;
  const entry = await getBackup(store, o.id);
  if (!entry) {
    throw new FleetError('usage', `no backup ${o.id} in ${store.location}`, {
      hint: 'list them with `fleet backup ls`',
    });
  }
  if (entry.status === 'incomplete') {
    throw new FleetError('usage', `backup ${o.id} is incomplete (no manifest.json) and cannot be restored`, {
      hint: 'pick a complete backup from `fleet backup ls`',
    });
  }
  if (entry.status === 'damaged')
    throw new FleetError('integrity', `backup ${o.id} is damaged: ${entry.problem}`);
  const manifest = entry.manifest!;
  s.clusterId = manifest.clusterId;
  const { byId } = s;
  const items = selectRestoreItems(manifest, {
    only: o.only,
    hosts: o.selected ? o.hosts.map((h) => h.id) : undefined,
  });
  if (items.length === 0)
    throw new FleetError('usage', `backup ${o.id} has nothing to restore for this selection`);
  const swarmItem = items.find((i) => i.kind === 'swarm');
  const unlockItem = items.find((i) => i.kind === 'unlock-key');

  // Where each item goes. The swarm state goes to one manager: the one -n names, else its origin.
  let swarmTarget: HostTarget | undefined;
  if (swarmItem) {
    if (o.selected) {
      if (o.hosts.length !== 1) {
        throw new FleetError(
          'usage',
          `the swarm state is restored onto one manager, but ${o.hosts.length} hosts are selected`,
          {
            hint: 'name one host with -n, or leave the swarm out with --only paths,volumes',
          },
        );
      }
      swarmTarget = o.hosts[0];
    } else {
      swarmTarget = byId.get(swarmItem.host);
      if (!swarmTarget) {
        throw new FleetError(
          'usage',
          `the swarm was backed up from ${swarmItem.host}, which is not in the inventory`,
          {
            hint: 'choose the manager to recover onto with -n HOST',
          },
        );
      }
    }
  }
  if (swarmTarget && manifest.swarm?.addr)
    await checkSameAddress(swarmTarget, manifest.swarm.addr, manifest.swarm.host);
  if (swarmTarget) {
    const live = await seeLiveQuorum({ ...o, hosts: o.hosts });
    if (live) throw refuseLiveSwarm(live);
  }
  const fileItems = items.filter((i) => i.kind === 'path' || i.kind === 'volume');
  for (const item of fileItems) {
    if (!byId.has(item.host)) {
      throw new FleetError('usage', `${item.key} belongs to ${item.host}, which is not in the inventory`, {
        hint: 'restore the other hosts with -n, or add the host to nodes.yml',
      });
    }
  }
  Object.assign(s, { items, swarmItem, unlockItem, swarmTarget, fileItems });
  for (const item of items) {
    s.itemReports.push({
      host: targetOf(s, item),
      kind: item.kind,
      source: item.source,
      key: item.key,
      status: 'not-started',
      size: item.size,
      sha256: item.sha256,
      error: null,
    });
  }
  const involved = [...new Set(items.map((item) => targetOf(s, item)))];
  for (const id of involved) {
    const h = byId.get(id)!;
    s.hostReports.set(id, pendingHostReport(id, h.address));
  }
  bus.emit({ type: 'run:start', command: 'restore', hosts: involved, at: s.startedAt.getTime() });
}
