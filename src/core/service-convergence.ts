/**
 * Has a service converged, and if not, why (pure: the caller polls the service and its tasks).
 * Converged = the wanted number of current tasks run (one per slot for replicated services, one per
 * eligible node for global ones), no task the swarm is stopping still runs, and no update or
 * rollback is in progress. Problems come from the tasks' own status: "no suitable node (…)",
 * "No such image: …", "insufficient resources on N nodes".
 */

export interface ConvergenceTask {
  id: string;
  slot?: number;
  nodeId: string;
  desiredState: string;
  state: string;
  message: string;
  err: string;
  createdAt: string;
}

export interface ConvergenceService {
  mode: 'replicated' | 'global';
  replicas?: number;
  updateState?: string;
  updateMessage?: string;
}

export interface Convergence {
  desired: number;
  running: number;
  /** Current tasks per state ("running": 3, "pending": 2). */
  states: Record<string, number>;
  done: boolean;
  /** Why tasks do not run, one line per distinct reason with how many tasks and where. */
  problems: string[];
  /** An update/rollback the engine stopped (paused): waiting longer will not help. */
  fatal?: string;
}

const ACTIVE = new Set(['running', 'ready', 'complete']);
const STOPPED = new Set(['shutdown', 'complete', 'failed', 'rejected', 'remove', 'orphaned']);
const FAILED = new Set(['failed', 'rejected']);

/** The newest task of each slot (replicated) or node (global) that the swarm wants running. */
export function currentTasks(service: ConvergenceService, tasks: ConvergenceTask[]): ConvergenceTask[] {
  const latest = new Map<string, ConvergenceTask>();
  for (const t of tasks) {
    if (t.desiredState !== 'running' && t.desiredState !== 'ready') continue;
    const key = service.mode === 'replicated' ? `slot:${t.slot ?? t.id}` : `node:${t.nodeId || t.id}`;
    const seen = latest.get(key);
    if (!seen || t.createdAt > seen.createdAt) latest.set(key, t);
  }
  return [...latest.values()];
}

function reasonOf(t: ConvergenceTask): string | undefined {
  if (t.err) return t.err;
  if (FAILED.has(t.state)) return t.message || t.state;
  return undefined;
}

export function serviceConvergence(
  service: ConvergenceService,
  tasks: ConvergenceTask[],
  nodeNames: Record<string, string> = {},
): Convergence {
  const current = currentTasks(service, tasks);
  const states: Record<string, number> = {};
  for (const t of current) states[t.state] = (states[t.state] ?? 0) + 1;
  const running = current.filter((t) => t.state === 'running').length;
  const desired = service.mode === 'replicated' ? (service.replicas ?? 0) : current.length;
  const stopping = tasks.filter(
    (t) => t.desiredState !== 'running' && t.desiredState !== 'ready' && !STOPPED.has(t.state),
  );

  // Distinct reasons, counted; failures of recent tasks of a slot count even when a retry is pending.
  const byReason = new Map<string, Set<string>>();
  const note = (reason: string, nodeId: string): void => {
    const where = byReason.get(reason) ?? new Set<string>();
    if (nodeId) where.add(nodeNames[nodeId] ?? nodeId);
    byReason.set(reason, where);
  };
  const counts = new Map<string, number>();
  for (const t of current) {
    if (ACTIVE.has(t.state)) continue;
    const reason = reasonOf(t);
    if (reason) {
      note(reason, t.nodeId);
      counts.set(reason, (counts.get(reason) ?? 0) + 1);
    }
  }
  const failedNow = tasks.filter((t) => FAILED.has(t.state) && t.desiredState !== 'running');
  for (const t of failedNow) {
    const reason = reasonOf(t);
    if (reason && running < desired) {
      note(reason, t.nodeId);
      counts.set(reason, (counts.get(reason) ?? 0) + 1);
    }
  }
  const problems = [...byReason].map(([reason, where]) => {
    const n = counts.get(reason) ?? 0;
    const on = where.size > 0 ? ` on ${[...where].sort().join(', ')}` : '';
    return `${n} task${n === 1 ? '' : 's'}${on}: ${reason}`;
  });

  const update = service.updateState ?? '';
  const fatal =
    update === 'paused' || update === 'rollback_paused'
      ? `update ${update.replace('_', ' ')}${service.updateMessage ? `: ${service.updateMessage}` : ''}`
      : undefined;
  const updating = update === 'updating' || update === 'rollback_started';
  const done =
    !updating && !fatal && running === desired && current.length === desired && stopping.length === 0;
  return { desired, running, states, done, problems, fatal };
}

/** "3/10 running (pending 7)": the overall line of a convergence wait. */
export function describeConvergence(c: Convergence): string {
  const other = Object.entries(c.states)
    .filter(([s]) => s !== 'running')
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');
  return `${c.running}/${c.desired} running${other ? ` (${other})` : ''}`;
}
