/**
 * Waiting for a service to converge after create/update/scale/rollback: polls the service and its
 * tasks through the manager (core/poll.ts pollUntil), emits each task's state changes and the overall
 * count as they happen, and stops early with the tasks' own reasons when they keep failing.
 */
import type { SwarmNode, SwarmService, SwarmTask } from '../../adapters/docker/types.js';
import { FleetError } from '../../core/errors.js';
import { pollUntil } from '../../core/poll.js';
import {
  currentTasks,
  describeConvergence,
  serviceConvergence,
  type Convergence,
} from '../../core/service-convergence.js';
import type { Runtime } from '../../runtime/types.js';
import type { ManagerConn } from './manager.js';

export function nodeNames(nodes: SwarmNode[]): Record<string, string> {
  return Object.fromEntries(nodes.map((n) => [n.id, n.hostname || n.id.slice(0, 12)]));
}

/** "web.3" (replicated) or "web" (global): the name docker shows. */
export function taskName(service: string, task: Pick<SwarmTask, 'slot'>): string {
  return task.slot !== undefined ? `${service}.${task.slot}` : service;
}

export interface ConvergeOptions {
  /** Overall budget (--timeout). */
  timeoutMs: number;
  /** How long the same problems may stand before giving up (a constraint nobody matches). */
  stuckMs: number;
}

export interface ConvergeResult {
  convergence: Convergence;
  tasks: SwarmTask[];
}

/** Resolves when converged; throws FleetError 'converge' with the tasks' reasons when it cannot. */
export async function waitConverged(
  rt: Runtime,
  m: ManagerConn,
  service: SwarmService,
  o: ConvergeOptions,
): Promise<ConvergeResult> {
  const names = nodeNames(m.nodes);
  const seen = new Map<string, string>();
  let lastLine = '';
  let lastTasks = '';
  let problemsSince: number | undefined;
  let doneOnce = false;
  let last: ConvergeResult | undefined;
  /** The newest task of each slot, for the live view, whenever one of them changed. */
  const emitTasks = (svc: SwarmService, tasks: SwarmTask[], c: Convergence): void => {
    const current = currentTasks(svc, tasks).sort((a, b) => (a.slot ?? 0) - (b.slot ?? 0));
    const rows = current.map((t) => ({
      name: taskName(svc.name, t),
      node: t.nodeId ? (names[t.nodeId] ?? t.nodeId.slice(0, 12)) : null,
      state: t.state,
      ...(t.err ? { error: t.err } : {}),
    }));
    const key = JSON.stringify([c.running, c.desired, rows]);
    if (key === lastTasks) return;
    lastTasks = key;
    rt.bus.emit({
      type: 'service:tasks',
      service: svc.name,
      running: c.running,
      desired: c.desired,
      tasks: rows,
      at: Date.now(),
    });
  };
  const outcome = await pollUntil(
    `service ${service.name} to converge`,
    async (signal) => {
      const svc = (await m.engine.inspectService(service.id, signal)) ?? service;
      const tasks = await m.engine.listTasks({ service: [service.id] }, signal);
      const c = serviceConvergence(svc, tasks, names);
      last = { convergence: c, tasks };
      for (const t of tasks) {
        const where = t.nodeId ? `@${names[t.nodeId] ?? t.nodeId}` : '';
        const state = `${t.state}${t.err ? ` (${t.err})` : ''}`;
        if (seen.get(t.id) === state) continue;
        seen.set(t.id, state);
        rt.bus.log('info', `${taskName(svc.name, t)}${where}: ${state}`);
      }
      emitTasks(svc, tasks, c);
      const line = `${svc.name}: ${describeConvergence(c)}`;
      if (line !== lastLine) {
        lastLine = line;
        rt.bus.log('info', line);
      }
      if (c.fatal) return { ...last, failed: c.fatal };
      // Done twice in a row: right after an update request the engine may not have started it yet.
      if (c.done) {
        if (doneOnce) return { ...last, failed: undefined };
        doneOnce = true;
        return undefined;
      }
      doneOnce = false;
      if (c.problems.length === 0) problemsSince = undefined;
      else if ((problemsSince ??= Date.now()) + o.stuckMs <= Date.now()) {
        return { ...last, failed: c.problems.join('; ') };
      }
      return undefined;
    },
    { timeoutMs: o.timeoutMs, signal: rt.signal, initialDelayMs: 500, maxDelayMs: 1000 },
  ).catch((err: unknown) => {
    if (err instanceof FleetError && err.code === 'timeout' && last) {
      const c = last.convergence;
      return {
        ...last,
        failed: `${describeConvergence(c)} after ${Math.round(o.timeoutMs / 1000)}s${c.problems.length ? `: ${c.problems.join('; ')}` : ''}`,
      };
    }
    throw err;
  });
  if (outcome.failed !== undefined) {
    const error = new FleetError('converge', `service ${service.name} did not converge: ${outcome.failed}`, {
      hint: `fleet service ps ${service.name} shows every task; fix the cause, then fleet service update ${service.name} --force`,
    });
    (error as FleetError & { result?: ConvergeResult }).result = {
      convergence: outcome.convergence,
      tasks: outcome.tasks,
    };
    throw error;
  }
  return { convergence: outcome.convergence, tasks: outcome.tasks };
}
