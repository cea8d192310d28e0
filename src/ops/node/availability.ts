/**
 * `fleet node drain | activate | pause`: sets the availability of the selected nodes. drain then
 * waits until no task runs on them any more and names the services whose tasks found no other node
 * (shared/drain-wait.ts).
 */
import type { OperationResult, Runtime } from '../../runtime/types.js';
import { waitDrained } from '../shared/drain-wait.js';
import {
  checkSafety,
  nodeChange,
  nodeDone,
  updateNodeSpec,
  type NodeChangeReport,
  type NodeOpInput,
} from './common.js';

export interface AvailabilityInput extends NodeOpInput {
  availability: 'drain' | 'active' | 'pause';
  /** drain: how long to wait for the tasks to move (0 = do not wait). */
  timeoutMs: number;
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
    const drained = picked.map((p) => ({ nodeId: p.node.id, name: p.name }));
    const moved = await waitDrained(rt, m, drained, {
      moveMs: input.timeoutMs,
      settleMs: 5000,
      signal: rt.signal,
    });
    state.unscheduled = moved.unscheduled;
    for (const u of moved.unscheduled) rt.bus.log('warn', `could not be rescheduled: ${u}`);
    for (const u of moved.starting) rt.bus.log('info', `still starting elsewhere: ${u}`);
  });
}
