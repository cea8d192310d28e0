/**
 * What every `fleet node` operation shares: selected hosts → swarm node entries, the safety gate
 * (core/node-safety.ts: refused with the quorum exit code unless --force), node rows of reports, and
 * the run wrapper that writes the report whatever happened.
 */
import type { SwarmNode } from '../../adapters/docker/types.js';
import { FleetError, toFleetError } from '../../core/errors.js';
import { compatFields, type CompatFields } from '../../core/report-devices.js';
import type { HostTarget } from '../../core/host.js';
import { nodeChangeSafety, type NodeChange } from '../../core/node-safety.js';
import { isEntryOf } from '../../core/swarm-plan.js';
import { runReported } from '../../runtime/finish-run.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import { withManager, type ManagerConn } from '../shared/manager.js';

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

export interface NodeChangeRow {
  id: string;
  ip: string;
  node_id: string;
  ok: boolean;
  detail: string | null;
  error: string | null;
}

export interface NodeChangeReport extends CompatFields {
  command: string;
  manager: string | null;
  started_at: string;
  duration_seconds: number;
  nodes: NodeChangeRow[];
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
  /** The hosts asked for (-n …): the report's devices. */
  selected: HostTarget[];
  nodes: NodeChangeRow[];
  forced: string[];
  unscheduled: string[];
}

/** A node done: its report row. */
export function nodeDone(state: NodeChangeState, p: Picked, detail: string | null): void {
  state.nodes.push({
    id: p.name,
    ip: p.target?.address ?? p.node.addr,
    node_id: p.node.id,
    ok: true,
    detail,
    error: null,
  });
}

/** The manager the change goes through, and the selected hosts' swarm entries. */
export async function pickThrough(rt: Runtime, m: ManagerConn, state: NodeChangeState): Promise<Picked[]> {
  state.manager = m.target.id;
  return pickNodes(state.selected, await m.engine.listNodes(rt.signal));
}

/** Selected hosts as devices: done → success, else failed (interrupted after Ctrl-C). */
function nodeDevices(state: NodeChangeState, seconds: number, error: FleetError | undefined) {
  return state.selected.map((t) => {
    const row = state.nodes.find((n) => n.id === t.id);
    const status = row?.ok ? 'success' : error?.code === 'interrupted' ? 'interrupted' : 'failed';
    return {
      id: t.id,
      ip: t.address,
      status,
      duration_seconds: seconds,
      error: row?.ok ? null : (row?.error ?? error?.message ?? null),
    };
  });
}

/** Runs a change, then writes its report whatever happened (runtime/finish-run.ts). */
export function runNodeChange(
  rt: Runtime,
  state: NodeChangeState,
  reportPath: string | undefined,
  work: () => Promise<void>,
): Promise<OperationResult<NodeChangeReport>> {
  return runReported(rt, { name: `node-${state.command}`, reportPath }, work, (startedAt, error) => {
    const seconds = (Date.now() - startedAt.getTime()) / 1000;
    return {
      command: `node ${state.command}`,
      manager: state.manager ?? null,
      started_at: startedAt.toISOString(),
      duration_seconds: seconds,
      nodes: state.nodes,
      forced: state.forced,
      unscheduled: state.unscheduled,
      error: error?.message ?? null,
      exit_code: error?.exitCode ?? 0,
      ...compatFields(nodeDevices(state, seconds, error)),
    };
  });
}

/**
 * The usual node change: through one manager, on the selected hosts' entries (a usage error names
 * hosts not in the swarm), reported whatever happens.
 */
export function nodeChange(
  rt: Runtime,
  input: NodeOpInput,
  command: string,
  work: (m: ManagerConn, picked: Picked[], state: NodeChangeState) => Promise<void>,
): Promise<OperationResult<NodeChangeReport>> {
  const state: NodeChangeState = { command, selected: input.targets, nodes: [], forced: [], unscheduled: [] };
  return runNodeChange(rt, state, input.reportPath, () =>
    withManager(rt, input.managers, async (m) => work(m, await pickThrough(rt, m, state), state)),
  );
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
