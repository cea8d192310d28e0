/**
 * The order of a rolling reboot (or any rolling maintenance command): swarm managers one at a time,
 * then workers (and hosts outside any swarm) in batches small enough that services keep capacity.
 * `--all-at-once` is refused when the managers it takes down would leave the swarm without quorum.
 */
import { FleetError } from './errors.js';
import { faultTolerance, quorumSize } from './quorum.js';

export interface RollingNode {
  id: string;
  /** 'none': not in a swarm (rebooted and waited for over SSH only). */
  role: 'manager' | 'worker' | 'none';
}

/** One at a time up to 10 workers, else 10 % rounded down. */
export function defaultBatch(workers: number): number {
  return workers <= 10 ? 1 : Math.floor(workers / 10);
}

/**
 * Waves in order: each manager alone, then the others in batches of `batch` (default above).
 * `allAtOnce`: one wave with everything.
 */
export function rollingWaves(
  nodes: RollingNode[],
  o: { batch?: number; allAtOnce?: boolean } = {},
): RollingNode[][] {
  if (o.allAtOnce) return nodes.length ? [nodes] : [];
  const managers = nodes.filter((n) => n.role === 'manager');
  const others = nodes.filter((n) => n.role !== 'manager');
  const batch = Math.max(1, o.batch ?? defaultBatch(others.length));
  const waves = managers.map((m) => [m]);
  for (let i = 0; i < others.length; i += batch) waves.push(others.slice(i, i + batch));
  return waves;
}

/**
 * `--all-at-once` takes `down` of the swarm's `total` managers away together: refused (code quorum)
 * when more than the swarm tolerates, unless forced.
 */
export function checkAllAtOnce(down: number, total: number, force: boolean): void {
  if (down === 0 || down <= faultTolerance(total) || force) return;
  throw new FleetError(
    'quorum',
    `--all-at-once would reboot ${down} of ${total} managers together; the swarm needs ${quorumSize(total)} of them for quorum`,
    {
      hint: 'drop --all-at-once (managers then go one at a time), select fewer managers, or pass --force to accept the outage',
    },
  );
}

/**
 * A wave takes managers out of Raft for a moment (a reboot, a Docker restart, maintenance). Refused
 * (code quorum) when the managers left reachable would be fewer than quorum in a swarm that has fault
 * tolerance to protect (3+ managers, another one already unreachable). With 1 or 2 managers there is
 * no margin to keep: the control plane pauses for the step, as for any maintenance, and it goes ahead.
 */
export function checkWaveQuorum(
  stepWords: string,
  names: string[],
  managers: number,
  reachableLeft: number,
): void {
  if (managers < 3 || reachableLeft >= quorumSize(managers)) return;
  throw new FleetError(
    'quorum',
    `${stepWords} ${names.join(', ')} would lose quorum: ${reachableLeft} of ${managers} managers left, ${quorumSize(managers)} needed`,
    { host: names[0], hint: 'bring the unreachable managers back first, then run again' },
  );
}
