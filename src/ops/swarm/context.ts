/**
 * The state one `fleet up` / `fleet down` run carries from phase to phase: connections, engines,
 * what each host looked like in preflight, the roles wanted, the cluster being formed, and what
 * happened to every host (for the report and the exit code).
 */
import type { Asker } from '../../runtime/types.js';
import type { DockerEngine, JoinTokens, NetworkSpec, SwarmNode } from '../../adapters/docker/types.js';
import type { SshConnection, SshPool } from '../../adapters/ssh/types.js';
import type { FleetError } from '../../core/errors.js';
import { failureKind, type HostTarget } from '../../core/host.js';
import type { PhaseContext } from '../../runtime/phase.js';
import type { EngineInfo } from '../../adapters/docker/types.js';
import type { PlanStep, SwarmPlan } from '../../core/swarm-plan.js';
import type { Facts } from '../../core/facts.js';

export type Role = 'manager' | 'worker';

/** Where a host stood before this run touched it. */
export type Membership =
  | 'none' // not in any swarm
  | 'ours' // in the swarm this inventory forms
  | 'foreign' // in some other swarm: left alone unless --force
  | 'unknown'; // unreachable, no Docker

/**
 * ok: changed as planned; unchanged: nothing to do; failed; skipped: left alone on purpose;
 * interrupted: a step of it was cut by Ctrl-C; not-started: it had steps the run never reached
 * (stopped by an error or Ctrl-C first).
 */
export type HostStatus = 'ok' | 'unchanged' | 'failed' | 'skipped' | 'interrupted' | 'not-started';

export interface HostResult {
  status: HostStatus;
  /** What fleet did (or would do) to this host, in order. */
  actions: string[];
  error?: FleetError;
  /** The phase the failure happened in. */
  phase?: string;
  durationMs: number;
  /** A host:done event was emitted for it already. */
  reported?: boolean;
}

/** Facts as the swarm pipeline reads them; the full Facts value lives in core/facts. */
export interface HostFactsView {
  hostname: string;
  arch: string;
  deviceType: string;
  gpuModel?: string;
  raw: unknown;
}

export function factsView(facts: Facts): HostFactsView {
  return {
    hostname: facts.hostname,
    arch: facts.arch,
    deviceType: facts.deviceType,
    gpuModel: facts.gpus[0]?.name,
    raw: facts,
  };
}

export interface HostRecord {
  target: HostTarget;
  conn?: SshConnection;
  engine?: DockerEngine;
  facts?: HostFactsView;
  info?: EngineInfo;
  membership: Membership;
  /** Role of the node in our swarm before this run (when membership is "ours"). */
  currentRole?: Role;
  /** The foreign cluster's id, for the message. */
  foreignCluster?: string;
  role?: Role;
  rank?: number;
  score?: number;
  /** Swarm node id once known. */
  nodeId?: string;
  result: HostResult;
}

export interface UpOptions {
  /** Name stored in the swarm's labels: how fleet tells its own swarm from a foreign one. */
  clusterName: string;
  concurrency: number;
  force: boolean;
  yes: boolean;
  network: NetworkSpec;
  managers?: number;
  allowEvenManagers: boolean;
  roleAssignmentsFile: string;
  /** Connection-level retries for worker joins. */
  retries: number;
  retryDelayMs: number;
  /** How long verify and the manager-join wait may poll the leader. */
  settleTimeoutMs: number;
  sudoPassword?: string;
  /** --replace-unreachable-managers: see DesiredState.replaceUnreachableManagers. */
  replaceUnreachableManagers?: boolean;
}

export interface ClusterState {
  id: string;
  /** Host id of the manager fleet talks to (the leader when known). */
  leader: string;
  nodes: SwarmNode[];
}

export interface SwarmContext extends PhaseContext {
  command: 'up' | 'down';
  options: UpOptions;
  /** Questions for the user (the fewer-managers question), answered by the front end. */
  ask: Asker;
  pool: SshPool;
  /** What the cluster lock's session ran on a host (facts.sh: Runtime.lockOutput), if it did. */
  lockOutput?: (host: string) => Promise<string | undefined>;
  /** Selection order = inventory order. */
  hosts: Map<string, HostRecord>;
  /**
   * Inventory hosts outside the selection: never acted on. Reached only to find this cluster when no
   * selected host is one of its managers (observer), and counted in role assignment with their live
   * role, so a partial selection plans what a full run would plan for the selected hosts.
   */
  spares?: HostTarget[];
  /** A manager of this cluster outside the selection, read (and, for node entries, used) but never changed. */
  observer?: HostRecord;
  cluster?: ClusterState;
  /** In memory only; never logged or written (Secret prints as [redacted]). */
  tokens?: JoinTokens;
  /** planUp's steps for this run (preflight makes it; each phase executes its stage). */
  plan?: SwarmPlan;
  /** Steps already executed out of their phase (labels set right after a node's own join). */
  done: Set<PlanStep>;
  /** Worker joins the managers phase started alongside its own (phases/workers.ts startWorkersEarly). */
  earlyWorkers?: EarlyWorkers;
  /** TCP connects preflight's port check saw succeed (port-preflight.ts portsSeenOpen). */
  portsOpen?: Set<string>;
  topology?: SwarmNode[];
  quorum?: { reachable: number; managers: number; needed: number };
  notes: string[];
}

/** Worker joins started by the managers phase; the workers phase waits for them. */
export interface EarlyWorkers {
  /** Settles once every join it started (and that join's labels) is over; never rejects. */
  done: Promise<void>;
  /** Hosts whose join it started: the workers phase leaves them to it. */
  started: Set<string>;
  /** No new join starts after this (a manager join failed, or the managers phase stopped). */
  stop(): void;
  /** The manager joins are done: the joins not started yet go at --concurrency (no-op once stopped). */
  widen(): void;
}

export function newResult(): HostResult {
  return { status: 'unchanged', actions: [], durationMs: 0 };
}

/** Hosts fleet can act on: reachable, engine answering, not failed earlier. */
export function usable(ctx: SwarmContext): HostRecord[] {
  return [...ctx.hosts.values()].filter((h) => h.engine && h.result.status !== 'failed');
}

export function leaderRecord(ctx: SwarmContext): HostRecord | undefined {
  if (!ctx.cluster) return undefined;
  const leader = ctx.cluster.leader;
  return ctx.hosts.get(leader) ?? (ctx.observer?.target.id === leader ? ctx.observer : undefined);
}

export function markFailed(host: HostRecord, phase: string, error: FleetError, ctx: SwarmContext): void {
  host.result.status = error.code === 'interrupted' ? 'interrupted' : 'failed';
  host.result.error = error;
  host.result.phase = phase;
  host.result.reported = true;
  ctx.bus.emit({
    type: 'host:done',
    host: host.target.id,
    ok: false,
    failure: failureKind(error.code) ?? undefined,
    error: error.message,
    durationMs: host.result.durationMs,
  });
}

export function hostDone(ctx: SwarmContext, host: HostRecord, durationMs: number): void {
  host.result.reported = true;
  ctx.bus.emit({ type: 'host:done', host: host.target.id, ok: true, durationMs });
}

export function recordAction(host: HostRecord, action: string, dryRun: boolean): void {
  host.result.actions.push(action);
  if (!dryRun && host.result.status === 'unchanged') host.result.status = 'ok';
}

/** `10.77.6.2:2377` for a host's swarm address. */
export function swarmAddr(host: HostRecord): string {
  return `${host.target.address}:2377`;
}
