/**
 * `fleet node promote | demote`: changes the role of the selected nodes through the leader. Demoting
 * is gated by core/node-safety.ts (quorum margin, even counts, last manager) unless --force; the
 * change is then confirmed on the node list (a promoted manager shows Reachable).
 */
import { pollUntil } from '../../core/poll.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import {
  checkSafety,
  nodeChange,
  nodeDone,
  updateNodeSpec,
  type NodeChangeReport,
  type NodeOpInput,
} from './common.js';

export interface RoleInput extends NodeOpInput {
  role: 'manager' | 'worker';
  /** How long to wait for a promoted manager to be Reachable. */
  timeoutMs: number;
}

export async function run(input: RoleInput, rt: Runtime): Promise<OperationResult<NodeChangeReport>> {
  const verb = input.role === 'manager' ? 'promote' : 'demote';
  return nodeChange(rt, input, verb, async (m, picked, state) => {
    if (verb === 'demote') state.forced = await checkSafety(rt, m, 'demote', picked, Boolean(input.force));
    // Demote the manager answering us last: it may lose its seat in the control plane.
    const ordered = [...picked].sort(
      (a, b) => Number(a.node.id === selfId(m)) - Number(b.node.id === selfId(m)),
    );
    for (const p of ordered) {
      if (p.node.role === input.role) {
        nodeDone(state, p, `already ${input.role}`);
        continue;
      }
      await updateNodeSpec(rt, m, p.node.id, (spec) => ({ ...spec, Role: input.role }));
      rt.bus.emit({ type: 'change', host: p.name, description: `${verb} to ${input.role}`, dryRun: false });
      nodeDone(state, p, input.role);
    }
    if (verb !== 'promote') return;
    const ids = new Set(picked.map((p) => p.node.id));
    await pollUntil(
      'the promoted managers to be Reachable',
      async (signal) => {
        const nodes = await m.engine.listNodes(signal);
        const ready = nodes.filter((n) => ids.has(n.id) && n.manager?.reachability === 'reachable');
        return ready.length === ids.size ? true : undefined;
      },
      { timeoutMs: input.timeoutMs, signal: rt.signal },
    );
  });
}

function selfId(m: {
  target: { address: string; id: string };
  nodes: { id: string; addr: string; hostname: string }[];
}): string | undefined {
  return m.nodes.find((n) => n.addr === m.target.address || n.hostname === m.target.id)?.id;
}
