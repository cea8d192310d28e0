/**
 * Role assignment: who manages the swarm. Pinned roles (nodes.yml `role:`) are honoured; the other
 * manager seats go to current managers first (so a re-run does not churn a working control plane),
 * then by score. Ties break by host id, so the same inputs always give the same roles.
 */
import { FleetError } from './errors.js';
import type { Facts } from './facts.js';
import {
  defaultManagerCount,
  faultTolerance,
  managerCountAdvice,
  quorumSize,
  validateManagerCount,
} from './quorum.js';
import { scoreHost, type ScoreBreakdown } from './scoring.js';

export type Role = 'manager' | 'worker';

export interface RoleCandidate {
  id: string;
  /** Undefined for a host that was not reached: it scores 0 and is only a manager when pinned. */
  facts?: Facts;
  /** From nodes.yml `role:`. */
  pinnedRole?: Role;
  /** Its role in this inventory's swarm today, if it is a member (keeps managers stable on re-runs). */
  currentRole?: Role;
}

export interface AssignRolesOptions {
  /** Explicit manager count (--managers); default by cluster size (quorum.ts). */
  managers?: number;
  /** --allow-even-managers. */
  allowEven?: boolean;
}

export interface RoleAssignment {
  id: string;
  /** 1 = best suited to manage. */
  rank: number;
  score: number;
  breakdown: ScoreBreakdown;
  notes: string[];
  role: Role;
  pinned: boolean;
  /** The manager that inits the swarm (or, on a re-run, the preferred one to talk to). */
  first: boolean;
}

export interface RolePlan {
  /** In rank order. */
  assignments: RoleAssignment[];
  managers: number;
  quorum: number;
  faultTolerance: number;
  /** Id of the best-ranked manager; undefined only for an empty host list. */
  firstManager?: string;
  /** Adjustments worth telling the user (fewer managers than the default, past the recommended 7). */
  notes: string[];
}

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function largestOddAtMost(n: number): number {
  return n <= 0 ? 0 : n % 2 === 1 ? n : n - 1;
}

export function assignRoles(hosts: readonly RoleCandidate[], options: AssignRolesOptions = {}): RolePlan {
  // Long (~90 lines) on purpose: pins, counts, even-count refusal and the tie-break order are one ranking
  // decision, read top to bottom in the order docs/scoring.md explains it.
  const seen = new Set<string>();
  for (const h of hosts) {
    if (seen.has(h.id)) throw new FleetError('internal', `host "${h.id}" given twice to role assignment`);
    seen.add(h.id);
  }
  const scored = hosts.map((h) => ({ host: h, score: scoreHost(h.facts) }));
  // Equal scores: a host pinned as manager ranks first (the user chose it as control plane, so it
  // should also be the one that initialises the swarm), then by id for determinism.
  const pinRank = (h: RoleCandidate): number => (h.pinnedRole === 'manager' ? 0 : 1);
  scored.sort(
    (a, b) =>
      b.score.total - a.score.total || pinRank(a.host) - pinRank(b.host) || byId(a.host.id, b.host.id),
  );

  const n = hosts.length;
  const notes: string[] = [];
  const pinnedManagers = scored.filter((s) => s.host.pinnedRole === 'manager');
  const eligible = scored.filter((s) => s.host.pinnedRole !== 'worker');
  let count: number;
  if (options.managers !== undefined) {
    count = validateManagerCount(options.managers, n, options.allowEven ?? false);
    if (count > eligible.length) {
      throw new FleetError(
        'usage',
        `--managers ${count} cannot be met: only ${eligible.length} of ${n} hosts are not pinned as workers`,
        { hint: 'lower --managers or change role: worker pins in nodes.yml' },
      );
    }
  } else {
    count = defaultManagerCount(n);
    if (count > eligible.length) {
      const reduced = options.allowEven ? eligible.length : largestOddAtMost(eligible.length);
      notes.push(
        `${count} managers is the default for ${n} hosts, but only ${eligible.length} are not pinned as workers: using ${reduced}`,
      );
      count = reduced;
    }
  }
  if (pinnedManagers.length > count) {
    throw new FleetError(
      'usage',
      `${pinnedManagers.length} hosts are pinned as managers (${pinnedManagers.map((s) => s.host.id).join(', ')}) ` +
        `but the manager count is ${count}`,
      {
        hint: `pass --managers ${pinnedManagers.length % 2 === 1 || options.allowEven ? pinnedManagers.length : pinnedManagers.length + 1} or unpin some in nodes.yml`,
      },
    );
  }
  if (n > 0 && count === 0) {
    throw new FleetError('usage', 'every host is pinned as a worker: a swarm needs at least one manager', {
      hint: 'set role: manager on one host in nodes.yml',
    });
  }
  const advice = managerCountAdvice(count);
  if (advice) notes.push(advice);

  // Seats: pinned managers, then today's managers (stability), then the best-ranked of the rest.
  const managers = new Set(pinnedManagers.map((s) => s.host.id));
  const unpinned = eligible.filter((s) => s.host.pinnedRole === undefined);
  for (const s of unpinned.filter((u) => u.host.currentRole === 'manager')) {
    if (managers.size < count) managers.add(s.host.id);
  }
  for (const s of unpinned) {
    if (managers.size < count) managers.add(s.host.id);
  }

  const firstManager = scored.find((s) => managers.has(s.host.id))?.host.id;
  const assignments = scored.map((s, i): RoleAssignment => ({
    id: s.host.id,
    rank: i + 1,
    score: s.score.total,
    breakdown: s.score.breakdown,
    notes: s.score.notes,
    role: managers.has(s.host.id) ? 'manager' : 'worker',
    pinned: s.host.pinnedRole !== undefined,
    first: s.host.id === firstManager,
  }));
  return {
    assignments,
    managers: count,
    quorum: quorumSize(count),
    faultTolerance: faultTolerance(count),
    firstManager,
    notes,
  };
}

/** The content of role_assignments.json: rank, score and role per host, plus the quorum figures. */
export interface RoleAssignmentsDocument {
  version: 1;
  managers: number;
  quorum: number;
  faultTolerance: number;
  firstManager: string | null;
  hosts: Array<{
    id: string;
    rank: number;
    score: number;
    role: Role;
    pinned: boolean;
    breakdown: ScoreBreakdown;
  }>;
}

export function roleAssignmentsDocument(plan: RolePlan): RoleAssignmentsDocument {
  return {
    version: 1,
    managers: plan.managers,
    quorum: plan.quorum,
    faultTolerance: plan.faultTolerance,
    firstManager: plan.firstManager ?? null,
    hosts: plan.assignments.map((a) => ({
      id: a.id,
      rank: a.rank,
      score: a.score,
      role: a.role,
      pinned: a.pinned,
      breakdown: a.breakdown,
    })),
  };
}

/** role_assignments.json text (stable key order, trailing newline; no timestamps, so re-runs diff clean). */
export function roleAssignmentsJson(plan: RolePlan): string {
  return JSON.stringify(roleAssignmentsDocument(plan), null, 2) + '\n';
}
