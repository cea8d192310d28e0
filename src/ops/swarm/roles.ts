/**
 * Roles for this run: core/roles assignRoles over every host of nodes.yml — the selected ones fleet
 * reached, the selected ones it could not reach, and (for a partial selection) the ones outside it —
 * each with its live role in this cluster, so a manager that is unreachable, or that left and is
 * re-joining, keeps its seat instead of being replaced, and a partial selection is planned the way a
 * full run would plan it. role_assignments.json written next to the run (not by plan / --dry-run).
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileSafely } from '../../adapters/fs/safe-write.js';
import type { Facts } from '../../core/facts.js';
import type { HostTarget } from '../../core/host.js';
import { assignRoles, roleAssignmentsJson, type Role } from '../../core/roles.js';
import { isEntryOf, isReachableManager } from '../../core/swarm-plan.js';
import type { HostRecord, SwarmContext } from './context.js';

/**
 * The role a host holds in this cluster now: its node's when it is a member, else the role of a node
 * entry that is (or was) this host. An unreachable manager's seat is released only with
 * --replace-unreachable-managers.
 */
export function liveRole(ctx: SwarmContext, target: HostTarget, host?: HostRecord): Role | undefined {
  if (host?.membership === 'ours') return host.currentRole;
  const hostname = host?.info?.hostname || host?.facts?.hostname || undefined;
  const entry = ctx.cluster?.nodes.find((n) => isEntryOf({ address: target.address, hostname }, n));
  if (!entry) return undefined;
  const reached = Boolean(host?.engine);
  if (entry.role === 'manager' && !reached && !isReachableManager(entry)) {
    return ctx.options.replaceUnreachableManagers ? undefined : 'manager';
  }
  return entry.role;
}

export async function decideRoles(ctx: SwarmContext): Promise<void> {
  const hosts = [...ctx.hosts.values()].filter((h) => h.result.status !== 'skipped');
  const candidates = [
    ...hosts.map((h) => ({
      id: h.target.id,
      facts: h.facts?.raw as Facts | undefined,
      pinnedRole: h.target.role,
      currentRole: liveRole(ctx, h.target, h),
    })),
    ...(ctx.spares ?? []).map((t) => ({ id: t.id, pinnedRole: t.role, currentRole: liveRole(ctx, t) })),
  ];
  const plan = assignRoles(candidates, {
    managers: ctx.options.managers,
    allowEven: ctx.options.allowEvenManagers,
  });
  for (const a of plan.assignments) {
    const host = ctx.hosts.get(a.id);
    if (!host) continue;
    host.role = a.role;
    host.rank = a.rank;
    host.score = a.score;
  }
  for (const note of plan.notes) ctx.bus.log('info', note);
  // plan and --dry-run change nothing, on the hosts or here.
  if (!ctx.dryRun) {
    const file = ctx.options.roleAssignmentsFile;
    await mkdir(dirname(file), { recursive: true });
    await writeFileSafely(file, roleAssignmentsJson(plan), { what: '--role-assignments file' });
  }
  const managers = plan.assignments.filter((a) => a.role === 'manager').map((a) => a.id);
  ctx.bus.log('info', `roles: ${plan.managers} managers (${managers.join(', ')}), quorum ${plan.quorum}`);
}
