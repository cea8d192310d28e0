/**
 * After nodes were drained: wait (core/poll.ts) until no task runs on them any more, with the tasks
 * left per node as progress, then until the services that had tasks there run them again elsewhere,
 * naming those whose tasks found no other node (the scheduler's reason). Shared by `fleet node drain`
 * and the rolling engine (`fleet reboot`, `fleet rollout`): a wave must not take the next nodes down
 * while earlier replacements are still starting, or the capacity lost adds up.
 */
import { pollUntil } from '../../core/poll.js';
import { FleetError } from '../../core/errors.js';
import { describeConvergence, serviceConvergence, type Convergence } from '../../core/service-convergence.js';
import type { Runtime } from '../../runtime/types.js';
import type { ManagerConn } from './manager.js';

const GONE = new Set(['shutdown', 'complete', 'failed', 'rejected', 'orphaned', 'remove']);

export interface DrainedNode {
  nodeId: string;
  /** How the node is named in logs and progress (inventory id, else hostname). */
  name: string;
}

export interface DrainWaitOptions {
  /** Budget for the tasks to leave the nodes (pollUntil's timeout error when it runs out). */
  moveMs: number;
  /** Then, how long the moved services may take to run again elsewhere before being named. */
  settleMs: number;
  signal: AbortSignal;
}

export interface DrainWaitResult {
  /** Services whose moved tasks the scheduler could not place, with its reason ("web: 1 task: no suitable node …"). */
  unscheduled: string[];
  /** Services still starting their moved tasks when settleMs ran out ("web: 3/5 running (preparing 2)"). */
  starting: string[];
}

export async function waitDrained(
  rt: Runtime,
  m: ManagerConn,
  drained: DrainedNode[],
  o: DrainWaitOptions,
): Promise<DrainWaitResult> {
  const ids = new Set(drained.map((d) => d.nodeId));
  const names: Record<string, string> = Object.fromEntries(m.nodes.map((n) => [n.id, n.hostname]));
  for (const d of drained) names[d.nodeId] = d.name;
  const before = (await m.engine.listTasks(undefined, o.signal)).filter(
    (t) => ids.has(t.nodeId) && !GONE.has(t.state),
  );
  const affected = new Set(before.map((t) => t.serviceId));
  const left = new Map<string, number>();
  await pollUntil(
    `the tasks of ${drained.map((d) => d.name).join(', ')} to move`,
    async (signal) => {
      const tasks = await m.engine.listTasks(undefined, signal);
      let total = 0;
      for (const d of drained) {
        const n = tasks.filter((t) => t.nodeId === d.nodeId && !GONE.has(t.state)).length;
        total += n;
        if (left.get(d.name) === n) continue;
        left.set(d.name, n);
        const was = before.filter((t) => t.nodeId === d.nodeId).length;
        rt.bus.log('info', `${n} task${n === 1 ? '' : 's'} left`, d.name);
        rt.bus.emit({ type: 'host:progress', host: d.name, done: was - n, total: was, unit: 'steps' });
      }
      return total === 0 ? true : undefined;
    },
    { timeoutMs: o.moveMs, signal: o.signal, initialDelayMs: 300, maxDelayMs: 1000 },
  );
  return waitServicesRun(rt, m, [...affected], { settleMs: o.settleMs, signal: o.signal, names });
}

export interface SettleOptions {
  /** How long the services may take to run all their tasks before being named. */
  settleMs: number;
  signal: AbortSignal;
  /** Node id → name, for the scheduler's reasons. */
  names?: Record<string, string>;
}

/** How long the scheduler's reason for not placing a task must stand before it is believed. */
const STUCK_MS = 3000;

/**
 * Waits (core/poll.ts) until the given services run every task they want; undefined = every
 * replicated service (a global service's task waits for its own node, which no wait elsewhere
 * helps, e.g. an agent on a board that is switched off). Moved tasks start elsewhere (an image
 * pull can take a while); a service whose tasks the scheduler cannot place says why at once, so it
 * is named as soon as that reason has stood a moment, not waited for.
 */
export async function waitServicesRun(
  rt: Runtime,
  m: ManagerConn,
  serviceIds: string[] | undefined,
  o: SettleOptions,
): Promise<DrainWaitResult> {
  const names = o.names ?? Object.fromEntries(m.nodes.map((n) => [n.id, n.hostname]));
  const services =
    serviceIds === undefined
      ? (await m.engine.listServices(undefined, o.signal)).filter((svc) => svc.mode === 'replicated')
      : (await Promise.all(serviceIds.map((id) => m.engine.inspectService(id, o.signal)))).filter(
          (svc) => svc !== undefined,
        );
  const result: DrainWaitResult = { unscheduled: [], starting: [] };
  const deadline = Date.now() + o.settleMs;
  for (const svc of services) {
    let problemsSince: number | undefined;
    let last: Convergence | undefined;
    const outcome = await pollUntil(
      `${svc.name} to run all its tasks`,
      async (signal) => {
        const tasks = await m.engine.listTasks({ service: [svc.id] }, signal);
        const c = serviceConvergence(
          svc,
          tasks.filter((t) => t.serviceId === svc.id),
          names,
        );
        if (c.done) return 'done';
        if (!last) rt.bus.log('info', `waiting for ${svc.name}: ${describeConvergence(c)}`);
        last = c;
        if (c.problems.length === 0) problemsSince = undefined;
        else if (Date.now() - (problemsSince ??= Date.now()) >= STUCK_MS) return 'stuck';
        return undefined;
      },
      {
        timeoutMs: Math.max(0, deadline - Date.now()),
        signal: o.signal,
        initialDelayMs: 500,
        maxDelayMs: 1000,
      },
    ).catch((err: unknown) => {
      if (err instanceof FleetError && err.code === 'timeout' && last) return 'late';
      throw err;
    });
    if (outcome === 'done' || !last) continue;
    // Out of time with a reason standing: named as unplaced, as when the reason had stood long enough.
    if (outcome === 'stuck' || last.problems.length > 0)
      result.unscheduled.push(`${svc.name}: ${last.problems.join('; ')}`);
    else result.starting.push(`${svc.name}: ${describeConvergence(last)}`);
  }
  return result;
}
