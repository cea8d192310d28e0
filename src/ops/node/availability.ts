/**
 * `fleet node drain | activate | pause`: sets the availability of the selected nodes. drain then
 * waits (core/poll.ts) until no task runs on them any more, with the tasks left per node as progress,
 * and names the services whose tasks found no other node (the scheduler's reason).
 */
import { pollUntil } from '../../core/poll.js';
import { serviceConvergence } from '../../core/service-convergence.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import type { ManagerConn } from '../shared/manager.js';
import {
  checkSafety,
  nodeChange,
  nodeDone,
  updateNodeSpec,
  type NodeChangeReport,
  type NodeOpInput,
  type Picked,
} from './common.js';

export interface AvailabilityInput extends NodeOpInput {
  availability: 'drain' | 'active' | 'pause';
  /** drain: how long to wait for the tasks to move (0 = do not wait). */
  timeoutMs: number;
}

const GONE = new Set(['shutdown', 'complete', 'failed', 'rejected', 'orphaned', 'remove']);

async function waitDrained(
  rt: Runtime,
  m: ManagerConn,
  picked: Picked[],
  timeoutMs: number,
): Promise<string[]> {
  const ids = new Set(picked.map((p) => p.node.id));
  const names = Object.fromEntries(m.nodes.map((n) => [n.id, n.hostname]));
  for (const p of picked) names[p.node.id] = p.name;
  const before = (await m.engine.listTasks(undefined, rt.signal)).filter(
    (t) => ids.has(t.nodeId) && !GONE.has(t.state),
  );
  const affected = new Set(before.map((t) => t.serviceId));
  const left = new Map<string, number>();
  await pollUntil(
    `the tasks of ${picked.map((p) => p.name).join(', ')} to move`,
    async (signal) => {
      const tasks = await m.engine.listTasks(undefined, signal);
      let total = 0;
      for (const p of picked) {
        const n = tasks.filter((t) => t.nodeId === p.node.id && !GONE.has(t.state)).length;
        total += n;
        if (left.get(p.name) !== n) {
          left.set(p.name, n);
          const was = before.filter((t) => t.nodeId === p.node.id).length;
          rt.bus.log('info', `${n} task${n === 1 ? '' : 's'} left`, p.name);
          rt.bus.emit({ type: 'host:progress', host: p.name, done: was - n, total: was, unit: 'steps' });
        }
      }
      return total === 0 ? true : undefined;
    },
    { timeoutMs, signal: rt.signal, initialDelayMs: 300, maxDelayMs: 1000 },
  );
  // Give the scheduler a moment to try the moved tasks elsewhere, then ask why any did not land.
  const unscheduled: string[] = [];
  const deadline = Date.now() + 5000;
  for (const serviceId of affected) {
    const svc = await m.engine.inspectService(serviceId, rt.signal);
    if (!svc) continue;
    for (;;) {
      const tasks = (await m.engine.listTasks(undefined, rt.signal)).filter((t) => t.serviceId === serviceId);
      const c = serviceConvergence(svc, tasks, names);
      if (c.done || Date.now() > deadline) {
        if (!c.done && c.problems.length > 0) unscheduled.push(`${svc.name}: ${c.problems.join('; ')}`);
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return unscheduled;
}

export async function run(input: AvailabilityInput, rt: Runtime): Promise<OperationResult<NodeChangeReport>> {
  const verb = { drain: 'drain', active: 'activate', pause: 'pause' }[input.availability];
  return nodeChange(rt, input, verb, async (m, picked, state) => {
    if (input.availability === 'drain')
      state.forced = await checkSafety(rt, m, 'drain', picked, Boolean(input.force));
    for (const p of picked) {
      if (p.node.availability === input.availability) {
        nodeDone(state, p, `already ${input.availability}`);
        continue;
      }
      await updateNodeSpec(rt, m, p.node.id, (spec) => ({ ...spec, Availability: input.availability }));
      rt.bus.emit({
        type: 'change',
        host: p.name,
        description: `availability ${p.node.availability} → ${input.availability}`,
        dryRun: false,
      });
      nodeDone(state, p, input.availability);
    }
    if (input.availability !== 'drain' || input.timeoutMs === 0) return;
    state.unscheduled = await waitDrained(rt, m, picked, input.timeoutMs);
    for (const u of state.unscheduled) rt.bus.log('warn', `could not be rescheduled: ${u}`);
  });
}
