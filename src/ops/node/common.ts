/**
 * What every `fleet node` operation shares: selected hosts → swarm node entries, the safety gate
 * (core/node-safety.ts: refused with the quorum exit code unless --force), node rows of reports, and
 * the run wrapper that writes the report whatever happened.
 */
import type { SwarmNode } from '../../adapters/docker/types.js';
import { FleetError, toFleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import { nodeChangeSafety, type NodeChange } from '../../core/node-safety.js';
import { isEntryOf } from '../../core/swarm-plan.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import type { ManagerConn } from '../shared/manager.js';

export interface NodeOpInput {
  /** Hosts to find a manager on (every host of nodes.yml). */
  managers: HostTarget[];
  /** The hosts selected with -n/-x/--role/--all (empty: every node, for ls). */
  targets: HostTarget[];
  force?: boolean;
  reportPath?: string;
}

export interface Picked {
  target?: HostTarget;
  node: SwarmNode;
  /** Inventory id when known, else the node's hostname. */
  name: string;
}

/** Each selected host's swarm entry (a Ready one over a stale one); unknown hosts are a usage error. */
export function pickNodes(targets: HostTarget[], nodes: SwarmNode[]): Picked[] {
  const missing: string[] = [];
  const out: Picked[] = [];
  for (const target of targets) {
    const entries = nodes.filter((n) => isEntryOf({ address: target.address, hostname: target.id }, n));
    const node = entries.find((n) => n.state === 'ready') ?? entries[0];
    if (node) out.push({ target, node, name: target.id });
    else missing.push(target.id);
  }
  if (missing.length > 0) {
    throw new FleetError('usage', `not in the swarm: ${missing.join(', ')}`, {
      hint: 'fleet node ls shows its nodes; fleet up adds hosts',
    });
  }
  return out;
}

/** Every node, named by inventory id when a host of nodes.yml is it. */
export function nameNodes(hosts: HostTarget[], nodes: SwarmNode[]): Picked[] {
  return nodes.map((node) => {
    const target = hosts.find((t) => isEntryOf({ address: t.address, hostname: t.id }, node));
    return { target, node, name: target?.id ?? node.hostname };
  });
}

/** Refuses (quorum, exit 5) unless --force; with --force the reasons become warnings. */
export async function checkSafety(
  rt: Runtime,
  m: ManagerConn,
  change: NodeChange,
  picked: Picked[],
  force: boolean,
): Promise<string[]> {
  const nodes = await m.engine.listNodes(rt.signal);
  const [services, tasks] =
    change === 'rm'
      ? await Promise.all([
          m.engine.listServices(undefined, rt.signal),
          m.engine.listTasks({ 'desired-state': ['running'] }, rt.signal),
        ])
      : [[], []];
  const safety = nodeChangeSafety({
    change,
    targets: picked.map((p) => p.node.id),
    nodes: nodes.map((n) => ({
      id: n.id,
      hostname: nameNodes(
        picked.flatMap((p) => (p.target ? [p.target] : [])),
        [n],
      )[0]!.name,
      role: n.role,
      reachable: n.manager ? n.manager.reachability === 'reachable' : undefined,
    })),
    services: services.map((s) => ({ id: s.id, name: s.name })),
    tasks: tasks.map((t) => ({ serviceId: t.serviceId, nodeId: t.nodeId, running: t.state === 'running' })),
  });
  if (safety.ok) return [];
  if (!force) {
    throw new FleetError('quorum', `refused: ${safety.reasons.join('; ')}`, {
      hint: 'pass --force to do it anyway',
    });
  }
  for (const reason of safety.reasons) rt.bus.log('warn', `--force: ${reason}`);
  return safety.reasons;
}

export interface NodeChangeReport {
  command: string;
  manager: string | null;
  started_at: string;
  duration_seconds: number;
  nodes: { id: string; node_id: string; ok: boolean; detail: string | null; error: string | null }[];
  /** Safety reasons overridden with --force. */
  forced: string[];
  /** Services whose tasks could not be rescheduled (drain), with the scheduler's reason. */
  unscheduled: string[];
  error: string | null;
  exit_code: number;
}

export interface NodeChangeState {
  command: string;
  manager?: string;
  nodes: NodeChangeReport['nodes'];
  forced: string[];
  unscheduled: string[];
}

export function newState(command: string): NodeChangeState {
  return { command, nodes: [], forced: [], unscheduled: [] };
}

/** Runs a change, writes its report (also on failure), emits run:done. */
export async function runNodeChange(
  rt: Runtime,
  state: NodeChangeState,
  reportPath: string | undefined,
  work: () => Promise<void>,
): Promise<OperationResult<NodeChangeReport>> {
  const startedAt = new Date();
  let error: FleetError | undefined;
  try {
    await work();
  } catch (err) {
    error = toFleetError(err);
  } finally {
    await rt.releasePool();
  }
  const report: NodeChangeReport = {
    command: `node ${state.command}`,
    manager: state.manager ?? null,
    started_at: startedAt.toISOString(),
    duration_seconds: (Date.now() - startedAt.getTime()) / 1000,
    nodes: state.nodes,
    forced: state.forced,
    unscheduled: state.unscheduled,
    error: error?.message ?? null,
    exit_code: error?.exitCode ?? 0,
  };
  const path = await rt.writeReport(`node-${state.command}`, report, startedAt, reportPath);
  rt.bus.log('info', `report: ${path}`);
  rt.bus.emit({
    type: 'run:done',
    ok: !error,
    durationMs: report.duration_seconds * 1000,
    interrupted: error?.code === 'interrupted',
    error: error?.message,
    exitCode: report.exit_code,
  });
  return { result: report, error, reportPath: path };
}

/** A node spec update with its version, re-read and retried when the node moved on meanwhile. */
export async function updateNodeSpec(
  rt: Runtime,
  m: ManagerConn,
  nodeId: string,
  change: (spec: SwarmNode['spec']) => SwarmNode['spec'],
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const node = await m.engine.inspectNode(nodeId, rt.signal);
    try {
      await m.engine.updateNode(node.id, node.version, change(node.spec), rt.signal);
      return;
    } catch (err) {
      if (attempt >= 5 || !/out of sequence/i.test(toFleetError(err).message)) throw err;
    }
  }
}
