/**
 * `fleet node rm`: removes nodes from the swarm. A live node is made to leave itself too (otherwise
 * its engine still believes it is a member): a manager is demoted first, then the node leaves over
 * its own SSH connection, then its entry is removed once the swarm sees it down. A node fleet cannot
 * reach keeps its entry unless it is already down, or --force. Gated by core/node-safety.ts.
 */
import { createDockerEngine } from '../../adapters/docker/engine.js';
import { FleetError, toFleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import { pollUntil } from '../../core/poll.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import { withManager } from '../shared/manager.js';
import {
  checkSafety,
  nodeDone,
  pickThrough,
  runNodeChange,
  updateNodeSpec,
  type NodeChangeState,
  type NodeChangeReport,
  type NodeOpInput,
  type Picked,
} from './common.js';

export interface NodeRmInput extends NodeOpInput {
  /** How long to wait for a node to show Down after it left. */
  timeoutMs: number;
}

/** The node leaves the swarm itself; false when its host or engine cannot be reached. */
async function leave(rt: Runtime, target: HostTarget): Promise<{ left: boolean; reason?: string }> {
  try {
    const conn = await (await rt.pool()).connect(target, rt.signal);
    const engine = await createDockerEngine(conn, { signal: rt.signal, sudoPassword: rt.sudoPassword });
    try {
      const info = await engine.info(rt.signal);
      if (info.swarm.localNodeState === 'inactive') return { left: true };
      await engine.swarmLeave(true, rt.signal);
      return { left: true };
    } finally {
      engine.close();
    }
  } catch (err) {
    if (rt.signal.aborted) throw err;
    return { left: false, reason: toFleetError(err).message };
  }
}

async function removeOne(rt: Runtime, input: NodeRmInput, p: Picked, others: HostTarget[]): Promise<string> {
  const steps: string[] = [];
  if (p.node.role === 'manager') {
    await withManager(rt, others, (m) =>
      updateNodeSpec(rt, m, p.node.id, (spec) => ({ ...spec, Role: 'worker' })),
    );
    rt.bus.emit({
      type: 'change',
      host: p.name,
      description: 'demote to worker (before removal)',
      dryRun: false,
    });
    steps.push('demoted');
  }
  const gone = p.target ? await leave(rt, p.target) : { left: false, reason: 'not a host of nodes.yml' };
  if (gone.left) {
    rt.bus.emit({ type: 'change', host: p.name, description: 'leave the swarm', dryRun: false });
    steps.push('left');
  } else if (p.node.state === 'ready' && !input.force) {
    throw new FleetError(
      'connect',
      `${p.name} is Ready in the swarm but fleet cannot make it leave (${gone.reason})`,
      {
        host: p.name,
        hint: 'bring the host back, or pass --force to remove its entry anyway (it will still think it is a member)',
      },
    );
  }
  await withManager(rt, others, async (m) => {
    if (gone.left) {
      await pollUntil(
        `${p.name} to show Down`,
        async (signal) =>
          (await m.engine.inspectNode(p.node.id, signal)).state === 'down' ? true : undefined,
        { timeoutMs: input.timeoutMs, signal: rt.signal, host: p.name },
      );
    }
    await m.engine.removeNode(p.node.id, !gone.left, rt.signal);
  });
  rt.bus.emit({ type: 'change', host: p.name, description: 'remove its node entry', dryRun: false });
  steps.push('removed');
  return steps.join(', ');
}

export async function run(input: NodeRmInput, rt: Runtime): Promise<OperationResult<NodeChangeReport>> {
  const state: NodeChangeState = {
    command: 'rm',
    selected: input.targets,
    nodes: [],
    forced: [],
    unscheduled: [],
  };
  return runNodeChange(rt, state, input.reportPath, async () => {
    const picked = await withManager(rt, input.managers, async (m) => {
      const p = await pickThrough(rt, m, state);
      state.forced = await checkSafety(rt, m, 'rm', p, Boolean(input.force));
      return p;
    });
    const leaving = new Set(picked.flatMap((p) => (p.target ? [p.target.id] : [])));
    const others = input.managers.filter((t) => !leaving.has(t.id));
    for (const p of picked) {
      rt.bus.hostState(p.name, 'running', 'removing');
      const detail = await removeOne(rt, input, p, others);
      rt.bus.hostState(p.name, 'ok', detail);
      nodeDone(state, p, detail);
    }
  });
}
