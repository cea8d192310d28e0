/**
 * Roles for this run: core/roles assignRoles over the hosts fleet can act on (reachable, not left
 * alone), with today's managers kept where possible; role_assignments.json written next to the run
 * (not by plan / --dry-run).
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { Facts } from '../core/facts.js';
import { assignRoles, roleAssignmentsJson } from '../core/roles.js';
import { usable, type SwarmContext } from './context.js';

export async function decideRoles(ctx: SwarmContext): Promise<void> {
  const hosts = usable(ctx).filter((h) => h.result.status !== 'skipped');
  const plan = assignRoles(
    hosts.map((h) => ({
      id: h.target.id,
      facts: h.facts?.raw as Facts | undefined,
      pinnedRole: h.target.role,
      currentRole: h.membership === 'ours' ? h.currentRole : undefined,
    })),
    { managers: ctx.options.managers, allowEven: ctx.options.allowEvenManagers },
  );
  for (const a of plan.assignments) {
    const host = ctx.hosts.get(a.id)!;
    host.role = a.role;
    host.rank = a.rank;
    host.score = a.score;
  }
  for (const note of plan.notes) ctx.bus.log('info', note);
  // plan and --dry-run change nothing, on the hosts or here.
  if (!ctx.dryRun) {
    const file = ctx.options.roleAssignmentsFile;
    await mkdir(dirname(file), { recursive: true });
    await writeFileAtomic(file, roleAssignmentsJson(plan));
  }
  const managers = plan.assignments.filter((a) => a.role === 'manager').map((a) => a.id);
  ctx.bus.log('info', `roles: ${plan.managers} managers (${managers.join(', ')}), quorum ${plan.quorum}`);
}
