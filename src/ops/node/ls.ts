/** `fleet node ls` and `fleet node inspect`: the swarm's nodes as docker shows them, plus task counts. */
import type { SwarmNode } from '../../adapters/docker/types.js';
import { compatFields, type CompatFields } from '../../core/report-devices.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import { withManager } from '../shared/manager.js';
import { nameNodes, pickNodes, type NodeOpInput } from './common.js';

export interface NodeRow {
  id: string;
  node_id: string;
  hostname: string;
  address: string;
  role: 'manager' | 'worker';
  leader: boolean;
  state: string;
  availability: string;
  reachability: string | null;
  engine: string;
  labels: Record<string, string>;
  tasks: number;
}

export interface NodeLsReport extends CompatFields {
  command: 'node ls' | 'node inspect';
  manager: string;
  at: string;
  nodes: NodeRow[];
}

function row(name: string, n: SwarmNode, tasks: number): NodeRow {
  return {
    id: name,
    node_id: n.id,
    hostname: n.hostname,
    address: n.addr,
    role: n.role,
    leader: n.manager?.leader === true,
    state: n.state,
    availability: n.availability,
    reachability: n.manager?.reachability ?? null,
    engine: n.engineVersion,
    labels: n.labels,
    tasks,
  };
}

export async function run(
  input: NodeOpInput & { inspect?: boolean },
  rt: Runtime,
): Promise<OperationResult<NodeLsReport>> {
  const startedAt = new Date();
  try {
    const result = await withManager(rt, input.managers, async (m) => {
      const [nodes, tasks] = await Promise.all([
        m.engine.listNodes(rt.signal),
        m.engine.listTasks({ 'desired-state': ['running'] }, rt.signal),
      ]);
      const picked =
        input.targets.length > 0 ? pickNodes(input.targets, nodes) : nameNodes(input.managers, nodes);
      const running = (id: string): number =>
        tasks.filter((t) => t.nodeId === id && t.state === 'running').length;
      const rows = picked
        .map((p) => row(p.name, p.node, running(p.node.id)))
        .sort(
          (a, b) => Number(b.role === 'manager') - Number(a.role === 'manager') || a.id.localeCompare(b.id),
        );
      // Devices for the bash module's readers: a node that is not Ready is the one to look at.
      const devices = rows.map((r) => ({
        id: r.id,
        ip: r.address,
        status: r.state === 'ready' ? 'success' : 'failed',
        duration_seconds: 0,
        error: r.state === 'ready' ? null : `node ${r.state}`,
      }));
      return {
        command: input.inspect ? ('node inspect' as const) : ('node ls' as const),
        manager: m.target.id,
        at: startedAt.toISOString(),
        nodes: rows,
        ...compatFields(devices),
      };
    });
    const path = await rt.writeReport(
      input.inspect ? 'node-inspect' : 'node-ls',
      result,
      startedAt,
      input.reportPath,
    );
    return { result, reportPath: path };
  } finally {
    await rt.releasePool();
  }
}
