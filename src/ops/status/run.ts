/**
 * `fleet status` as an operation: every selected host is asked at once (engine /info and
 * remote/host-metrics.sh on one SSH connection), then one manager — the leader when reachable — for
 * the node list, services and tasks. The result is typed data with its verdict; printing and the
 * exit code (10 when degraded) belong to the front end.
 */
import { preloadDockerClient } from '../../adapters/docker/engine.js';
import type { SwarmTask } from '../../adapters/docker/types.js';
import { FleetError, toFleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import { quorumHealth, type QuorumHealth } from '../../core/quorum.js';
import {
  statusVerdict,
  summariseServices,
  type ServiceFacts,
  type ServiceHealth,
  type StatusNode,
  type StatusVerdict,
} from '../../core/status.js';
import { forEachHost } from '../../runtime/for-each-host.js';
import type { Runtime } from '../../runtime/types.js';
import { withManager, type ManagerCandidate } from '../shared/manager.js';
import { probeForStatus, type StatusProbe } from './probe.js';
import { statusRows } from './rows.js';

export interface StatusInput {
  hosts: HostTarget[];
  /** Hosts asked at once (-c, FLEET_MAX_JOBS). */
  concurrency: number;
  /** --sudo: the metrics probe runs as root (the engine is reached through sudo either way when needed). */
  sudo?: boolean;
  /** false skips remote/host-metrics.sh (swarm state only). */
  metrics?: boolean;
  /**
   * Each host's probe ends after this long (its slot then records a timeout), so one host whose link
   * was cut does not hold the round for the metrics script's 15 s. The web view's observer sets it;
   * the CLI leaves it unset.
   */
  probeTimeoutMs?: number;
  /** true adds `tasks` (every task meant to run, with its node) for the web view's details panel. */
  tasks?: boolean;
}

export interface StatusTask {
  id: string;
  service: string;
  /** web.3 (replicated) or web (global). */
  name: string;
  /** The node's row name (inventory id when known). */
  node: string | null;
  state: string;
  image: string;
}

export interface StatusResult {
  timestamp: string;
  durationMs: number;
  cluster: {
    id: string | null;
    /** The manager that answered the swarm questions. */
    via: string;
    /** The leader's row name (inventory id when selected, else its hostname). */
    leader: string | null;
    nodesReady: number;
    nodesTotal: number;
  };
  quorum: QuorumHealth;
  services: ServiceHealth[];
  /** Sum over the reachable hosts of the disk holding Docker's data-root. */
  storage: { usedBytes: number; totalBytes: number } | null;
  nodes: StatusNode[];
  verdict: StatusVerdict;
  /** Only with input.tasks. */
  tasks?: StatusTask[];
}

/** Managers first as the hosts themselves say (GET /info), then nodes.yml's managers that did not answer. */
function managerCandidates(probes: StatusProbe[]): ManagerCandidate[] {
  const live = probes.filter((p) => p.engine && p.info?.swarm.controlAvailable);
  const silent = probes.filter((p) => !live.includes(p) && p.target.role === 'manager' && !p.info);
  const failure = (p: StatusProbe): FleetError | undefined => p.sshError ?? p.dockerError;
  return [
    ...live.map((p) => ({ target: p.target, engine: p.engine })),
    ...silent.map((p) => ({ target: p.target, error: failure(p) })),
  ];
}

function storage(probes: StatusProbe[]): StatusResult['storage'] {
  const disks = probes.map((p) => p.metrics?.diskDocker ?? p.metrics?.diskRoot).filter((d) => d != null);
  if (disks.length === 0) return null;
  return {
    usedBytes: disks.reduce((a, d) => a + d.usedBytes, 0),
    totalBytes: disks.reduce((a, d) => a + d.totalBytes, 0),
  };
}

/**
 * One host's probe, given up after input.probeTimeoutMs when set: what answered by then is kept and a
 * host whose engine did not answer is reported unreachable (a cut link never answers, and a channel
 * being opened over it ignores the abort).
 */
async function probeWithin(rt: Runtime, target: HostTarget, input: StatusInput): Promise<StatusProbe> {
  const o = { metrics: input.metrics !== false, sudo: input.sudo };
  if (input.probeTimeoutMs === undefined) return probeForStatus(rt, target, o);
  const ms = input.probeTimeoutMs;
  const controller = new AbortController();
  const signal = AbortSignal.any([rt.signal, controller.signal]);
  const probe: StatusProbe = { target };
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  const answer = await Promise.race([probeForStatus({ ...rt, signal }, target, o, probe), late]);
  clearTimeout(timer);
  if (answer === 'late') {
    controller.abort();
    if (!probe.info) {
      probe.sshError ??= new FleetError('timeout', `no answer within ${ms / 1000} s`, { host: target.id });
    }
  }
  return probe;
}

function taskRows(services: ServiceFacts[], tasks: SwarmTask[], rows: StatusNode[]): StatusTask[] {
  const svcName = new Map(services.map((s) => [s.id, s.name]));
  const nodeName = new Map(rows.filter((r) => r.nodeId).map((r) => [r.nodeId, r.name]));
  return tasks
    .filter((t) => t.desiredState === 'running')
    .map((t) => {
      const service = svcName.get(t.serviceId) ?? t.serviceId.slice(0, 12);
      return {
        id: t.id,
        service,
        name: t.slot !== undefined ? `${service}.${t.slot}` : service,
        node: t.nodeId ? (nodeName.get(t.nodeId) ?? t.nodeId.slice(0, 12)) : null,
        state: t.state,
        image: t.image,
      };
    });
}

export async function run(input: StatusInput, rt: Runtime): Promise<StatusResult> {
  const started = Date.now();
  preloadDockerClient();
  const probes = await forEachHost(input.hosts, { concurrency: input.concurrency }, (target) =>
    probeWithin(rt, target, input),
  );
  try {
    const answer = await withManager(rt, managerCandidates(probes), async (m) => {
      const [services, tasks] = await Promise.all([
        m.engine.listServices(undefined, rt.signal),
        m.engine.listTasks(undefined, rt.signal),
      ]);
      const clusterId = (await m.engine.info(rt.signal)).swarm.clusterId;
      return { services, tasks, clusterId, nodes: m.nodes, via: m.target };
    });
    const { services, tasks, clusterId, nodes } = answer;
    const rows = statusRows(nodes, tasks, probes);
    const down = new Set(nodes.filter((n) => n.state === 'down').map((n) => n.id));
    const health = summariseServices(services, tasks, down);
    const managers = nodes.filter((n) => n.role === 'manager');
    const quorum = quorumHealth(
      managers.length,
      managers.filter((n) => n.manager?.reachability === 'reachable').length,
    );
    return {
      timestamp: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      cluster: {
        id: clusterId || null,
        via: answer.via.id,
        leader: rows.find((r) => r.role === 'leader')?.name ?? null,
        nodesReady: nodes.filter((n) => n.state === 'ready').length,
        nodesTotal: nodes.length,
      },
      quorum,
      services: health,
      storage: storage(probes),
      nodes: rows,
      // Rows of hosts not selected (-n) are judged by their swarm state alone.
      verdict: statusVerdict(rows, health, quorum),
      ...(input.tasks ? { tasks: taskRows(services, tasks, rows) } : {}),
    };
  } catch (err) {
    throw toFleetError(err);
  } finally {
    // The connections stay for the session (a --watch round reuses them); it closes them at the end.
    for (const p of probes) p.engine?.close();
  }
}
