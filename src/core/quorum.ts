/**
 * Swarm quorum math (Raft): m managers need floor(m/2)+1 of them reachable to make any change, so
 * they survive floor((m-1)/2) failures. An even count adds Raft traffic but no fault tolerance.
 */
import { FleetError } from './errors.js';

/** Docker's guidance by cluster size: 1 for 1–2 nodes, 3 for 3–9, 5 for 10–19, 7 for 20 or more. */
export function defaultManagerCount(nodes: number): number {
  if (nodes <= 0) return 0;
  if (nodes <= 2) return 1;
  if (nodes <= 9) return 3;
  if (nodes <= 19) return 5;
  return 7;
}

/** Managers that must be reachable for the swarm to accept changes. 0 for 0 managers. */
export function quorumSize(managers: number): number {
  return managers <= 0 ? 0 : Math.floor(managers / 2) + 1;
}

/** Managers that may fail while the swarm keeps quorum. */
export function faultTolerance(managers: number): number {
  return managers <= 0 ? 0 : managers - quorumSize(managers);
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "3 managers: quorum 2, tolerates 1 failure". */
export function describeQuorum(managers: number): string {
  return `${plural(managers, 'manager')}: quorum ${quorumSize(managers)}, tolerates ${plural(faultTolerance(managers), 'failure')}`;
}

/**
 * Checks an explicitly requested manager count against the cluster size. Even counts are refused
 * unless `allowEven`, with the quorum math in the message. Returns the count.
 */
export function validateManagerCount(requested: number, nodes: number, allowEven: boolean): number {
  if (!Number.isInteger(requested) || requested < 1) {
    throw new FleetError('usage', `--managers must be a whole number of at least 1, got ${requested}`);
  }
  if (requested > nodes) {
    throw new FleetError(
      'usage',
      `--managers ${requested} asks for more managers than the ${plural(nodes, 'host')} selected`,
      {
        hint: `use at most ${nodes}`,
      },
    );
  }
  if (requested % 2 === 0 && !allowEven) {
    const lower = requested - 1;
    throw new FleetError(
      'usage',
      `${plural(requested, 'manager')} tolerate ${plural(faultTolerance(requested), 'failure')}, the same as ${lower}: ` +
        `quorum is ${quorumSize(requested)} of ${requested}, so the extra manager adds Raft traffic but no fault tolerance`,
      { hint: `use ${lower} or ${requested + 1}, or pass --allow-even-managers` },
    );
  }
  return requested;
}

/** Advice (not an error) for counts past Docker's recommended maximum of 7. */
export function managerCountAdvice(managers: number): string | undefined {
  if (managers > 7) {
    return `${managers} managers: Docker recommends at most 7; every write waits for ${quorumSize(managers)} of them`;
  }
  return undefined;
}

/** Quorum as `fleet status` shows it: how many managers answer, how many more may be lost. */
export interface QuorumHealth {
  managers: number;
  /** Managers the swarm lists as reachable. */
  reachable: number;
  /** Managers that must be reachable (floor(m/2)+1). */
  needed: number;
  /** Reachable managers that may still be lost before the swarm stops accepting changes; < 0 = lost. */
  canLose: number;
  /** An even count tolerates no more failures than one manager fewer. */
  even: boolean;
}

export function quorumHealth(managers: number, reachable: number): QuorumHealth {
  const needed = quorumSize(managers);
  return {
    managers,
    reachable,
    needed,
    canLose: reachable - needed,
    even: managers > 0 && managers % 2 === 0,
  };
}

/**
 * Whether worker joins may start while manager joins are still to come: once the swarm's reachable
 * managers can lose one and keep quorum. A join names one manager (Docker dials only the first
 * address), so a worker join in flight when that manager is lost must be redone through another
 * one; before this point (one or two managers) no leader would be left to redo it through. Workers
 * do not vote in Raft, so their joins change nothing the manager joins depend on.
 */
export function workersMayJoin(managers: number, reachable: number): boolean {
  return managers > 0 && quorumHealth(managers, reachable).canLose >= 1;
}

/**
 * What is wrong with the quorum, in words. problems (lost, or margin 0 because a manager is gone)
 * make `fleet status` degraded; warnings (an even count, 1–2 managers by design) do not.
 */
export function quorumConcerns(q: QuorumHealth): { problems: string[]; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (q.managers === 0) return { problems: ['no managers: this is not a swarm'], warnings };
  if (q.canLose < 0) {
    problems.push(
      `quorum lost: ${q.reachable} of ${plural(q.managers, 'manager')} reachable, ${q.needed} needed; the swarm accepts no changes`,
    );
  } else if (q.canLose === 0 && q.reachable < q.managers) {
    problems.push(
      `quorum margin 0: ${q.reachable} of ${plural(q.managers, 'manager')} reachable and ${q.needed} needed, so losing one more stops the swarm`,
    );
  } else if (q.canLose === 0) {
    // 1 or 2 managers by design (small clusters): no margin, but nothing was lost either.
    warnings.push(
      `${plural(q.managers, 'manager')}: no fault tolerance, losing ${q.managers === 1 ? 'it' : 'one'} stops the swarm`,
    );
  }
  if (q.even) {
    warnings.push(
      `${plural(q.managers, 'manager')} is an even count: it tolerates ${plural(faultTolerance(q.managers), 'failure')}, no more than ${q.managers - 1} would`,
    );
  }
  return { problems, warnings };
}
