/**
 * `fleet status` as an operation: every selected host is asked at once (engine /info and
 * remote/host-metrics.sh on one SSH connection), and as soon as the first manager's engine has
 * answered, one manager — the leader when reachable — is asked for the node list, services and tasks
 * while the other hosts are still being probed. The result is typed data with its verdict; printing
 * and the exit code (10 when degraded) belong to the front end.
 */
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

/** A host whose engine says it is a manager (GET /info), with that engine open. */
const isLiveManager = (p: StatusProbe): boolean => Boolean(p.engine && p.info?.swarm.controlAvailable);

/**
 * What withManager may try on a probed host: a live manager, a manager of nodes.yml that did not
 * answer (named with its failure), or nothing (a worker, a host in no swarm).
 */
function candidateOf(p: StatusProbe): ManagerCandidate | undefined {
  if (isLiveManager(p)) return { target: p.target, engine: p.engine, info: p.info };
  if (p.target.role === 'manager' && !p.info) return { target: p.target, error: p.sshError ?? p.dockerError };
  return undefined;
}

/** Managers first as the hosts themselves say (GET /info), then nodes.yml's managers that did not answer. */
function managerCandidates(probes: StatusProbe[]): ManagerCandidate[] {
  const live = probes.filter(isLiveManager);
  return [...live, ...probes.filter((p) => !live.includes(p))]
    .map(candidateOf)
    .filter((c) => c !== undefined);
}

/**
 * The probes of every host, and for each one a promise that settles as soon as its engine part is
 * known (SSH failed, the engine answered /info or failed) — before its metrics are in.
 */
function probeAll(
  rt: Runtime,
  input: StatusInput,
): { probes: Promise<StatusProbe[]>; engineKnown: Promise<StatusProbe>[] } {
  const settle: Array<(p: StatusProbe) => void> = [];
  const engineKnown = input.hosts.map((_, i) => new Promise<StatusProbe>((r) => (settle[i] = r)));
  const probes = forEachHost(input.hosts, { concurrency: input.concurrency }, async (target, i) => {
    const probe = await probeWithin(rt, target, input, (p) => settle[i]?.(p));
    settle[i]?.(probe);
    return probe;
  });
  return { probes, engineKnown };
}

/**
 * The managers to ask, as early as possible: once the first live manager is known it comes first and
 * every other host follows as a `later` candidate (withManager awaits one only when it tries it, e.g.
 * to move to the leader). When no host is a live manager, the full list once every engine is known.
 */
async function earlyCandidates(
  targets: HostTarget[],
  engineKnown: Promise<StatusProbe>[],
): Promise<ManagerCandidate[]> {
  const first = await new Promise<StatusProbe | undefined>((resolve) => {
    let left = engineKnown.length;
    if (left === 0) resolve(undefined);
    for (const known of engineKnown) {
      void known.then((p) => {
        if (isLiveManager(p)) resolve(p);
        if (--left === 0) resolve(undefined);
      });
    }
  });
  if (!first) return managerCandidates(await Promise.all(engineKnown));
  return [
    candidateOf(first)!,
    ...targets.flatMap((target, i) =>
      target === first.target ? [] : [{ target, later: engineKnown[i]!.then(candidateOf) }],
    ),
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
async function probeWithin(
  rt: Runtime,
  target: HostTarget,
  input: StatusInput,
  onEngine: (p: StatusProbe) => void,
): Promise<StatusProbe> {
  const o = { metrics: input.metrics !== false, sudo: input.sudo, onEngine };
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
  const probing = probeAll(rt, input);
  try {
    const candidates = await earlyCandidates(input.hosts, probing.engineKnown);
    const answer = await withManager(rt, candidates, async (m) => {
      // The manager's probe has read its GET /info (that is how it became a candidate): not asked again.
      const probed = probing.engineKnown[input.hosts.indexOf(m.target)];
      const [services, tasks, probe] = await Promise.all([
        m.engine.listServices(undefined, rt.signal),
        m.engine.listTasks(undefined, rt.signal),
        probed,
      ]);
      const info = probe?.info ?? (await m.engine.info(rt.signal));
      return { services, tasks, clusterId: info.swarm.clusterId, nodes: m.nodes, via: m.target };
    });
    const probes = await probing.probes;
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
    for (const p of await probing.probes) p.engine?.close();
  }
}
