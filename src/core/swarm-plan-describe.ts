/**
 * One sentence per plan step: what the change gate records (`ctx.change(host, sentence, fn)`), what
 * `fleet plan` prints and what the report lists. Never contains secrets: steps carry none.
 */
import type { PlanStep, SwarmPlan } from './swarm-plan-types.js';

const labelsText = (add: Record<string, string>, remove: string[]): string =>
  [...Object.entries(add).map(([k, v]) => `${k}=${v}`), ...remove.map((k) => `-${k}`)].join(' ');

export function describeStep(step: PlanStep): string {
  switch (step.kind) {
    case 'skip':
      return `skip: ${step.reason}`;
    case 'leave':
      return `leave the swarm${step.force ? ' (force)' : ''}: ${step.reason}`;
    case 'demote':
      return `demote ${step.hostname} to worker: ${step.reason}`;
    case 'remove-node':
      return `remove node ${step.hostname} (${step.nodeId.slice(0, 12)}): ${step.reason}`;
    case 'force-new-cluster':
      return `recover the swarm (init --force-new-cluster, dropping ${step.ghosts.map((g) => g.host).join(', ')} from Raft): ${step.reason}`;
    case 'init':
      return 'initialise the swarm';
    case 'reuse':
      return `use swarm ${step.clusterId.slice(0, 12)} (${step.reachable}/${step.managers} managers reachable)`;
    case 'promote':
      return 'promote to manager';
    case 'join-manager':
      return 'join the swarm as manager';
    case 'join-worker':
      return 'join the swarm as worker';
    case 'set-labels':
      return `set node labels ${labelsText(step.add, step.remove)}`;
    case 'create-network':
      return `create overlay network ${step.network.name}${step.network.subnet ? ` ${step.network.subnet}` : ''}${step.network.attachable ? ' (attachable)' : ''}`;
    case 'verify':
      return `verify ${step.managers.length} managers, ${step.workers.length} workers, quorum ${step.quorum}`;
  }
}

/** The host a step runs on or concerns; steps on the swarm itself (network, verify) have none. */
export function stepHost(step: PlanStep): string | undefined {
  return 'host' in step ? step.host : undefined;
}

/** Plain text, one step a line ("agx-03: join the swarm as worker"), then the notes. */
export function formatPlan(plan: SwarmPlan): string {
  const lines = plan.steps.map((s) => {
    const host = stepHost(s);
    return `${host ? `${host}: ` : ''}${describeStep(s)}`;
  });
  for (const note of plan.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}
