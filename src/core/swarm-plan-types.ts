/**
 * Types of the swarm planner (swarm-plan.ts): what the phases observed, what the inventory wants, and
 * the ordered steps that get from one to the other. Host ids are inventory ids throughout; node ids
 * are Docker's. The shapes of ObservedNode/ObservedNetwork are subsets of the Docker adapter's
 * SwarmNode/NetworkInfo, so the adapter's values can be passed as they are.
 */
import type { Role } from './roles.js';

export type { Role } from './roles.js';

/** A host as preflight saw it. */
export interface ObservedHost {
  id: string;
  /** SSH connected. */
  reachable: boolean;
  /** The Docker engine answered. */
  docker: boolean;
  /** The host's own hostname (facts or engine info): matches stale node entries to hosts. */
  hostname?: string;
  /** Its inventory address: matches node entries (by their addr) to hosts even when hostnames repeat. */
  address?: string;
  /** From the engine's `GET /info` (Swarm section); absent when Docker did not answer. */
  swarm?: {
    state: 'inactive' | 'pending' | 'active' | 'error' | 'locked';
    nodeId?: string;
    /** Only managers know it (a worker's info has no Cluster). */
    clusterId?: string;
    /** True on managers. */
    controlAvailable?: boolean;
    /** Managers the engine knows (`addr:port`); for a join in progress, the manager it dials. */
    remoteManagers?: string[];
    /** The same managers with their node ids (on a manager: the Raft members it knows). */
    raftPeers?: RaftPeer[];
    /** A manager whose swarm has no leader (its info carries no cluster, or says so). */
    leaderless?: boolean;
  };
}

/** A manager as an engine's info lists it (Swarm.RemoteManagers). */
export interface RaftPeer {
  nodeId: string;
  /** Its advertise address, `ip:2377`. */
  addr: string;
}

/** One entry of `GET /nodes` from a manager of our cluster. */
export interface ObservedNode {
  id: string;
  hostname: string;
  role: 'manager' | 'worker';
  availability: 'active' | 'pause' | 'drain';
  labels: Record<string, string>;
  state: 'unknown' | 'down' | 'ready' | 'disconnected';
  /** The address the node's engine connects from (Status.Addr). */
  addr?: string;
  /** addr: the manager's advertise address, `ip:2377`. */
  manager?: { leader: boolean; reachability: 'unknown' | 'unreachable' | 'reachable'; addr?: string };
}

export interface ObservedNetwork {
  name: string;
  driver: string;
  subnet?: string;
  gateway?: string;
  attachable: boolean;
  scope?: string;
}

/** This inventory's swarm, when it exists (found via the `fleet.cluster` swarm label). */
export interface ObservedCluster {
  id: string;
  nodes: ObservedNode[];
  /** Networks as a manager lists them; undefined = not read (the network step is then planned blind). */
  networks?: ObservedNetwork[];
}

export interface ObservedState {
  /** Every selected host, in inventory order. */
  hosts: ObservedHost[];
  cluster?: ObservedCluster;
}

export interface NetworkWanted {
  name: string;
  driver: string;
  subnet?: string;
  gateway?: string;
  attachable: boolean;
  labels?: Record<string, string>;
}

export interface DesiredState {
  /** Role per host id (from assignRoles). Hosts missing here are left as they are. */
  roles: Record<string, Role>;
  /** Best-ranked manager: where a fresh swarm is initialised. */
  firstManager: string;
  /** Node labels wanted per host id (facts labels + nodes.yml labels). */
  labels?: Record<string, Record<string, string>>;
  network?: NetworkWanted;
  /** --force: hosts in another swarm (or stuck pending/error) leave it and join ours. */
  force?: boolean;
  /**
   * --replace-unreachable-managers: a manager whose host cannot be reached (SSH or engine) is demoted
   * and its entry removed, so its seat can go to another host. Without it such a manager is kept.
   */
  replaceUnreachableManagers?: boolean;
  /** --allow-even-managers: without it no plan ends with an even manager count. */
  allowEven?: boolean;
}

/** Why a host is not acted on. */
export type SkipCause = 'unreachable' | 'no-docker' | 'foreign' | 'swarm-error' | 'locked' | 'not-member';

/**
 * Which phase a step belongs to. The step list order is authoritative; steps of a PARALLEL_STAGES stage may run
 * at the same time (bounded pool), everything else one at a time in list order.
 */
export type PlanStage =
  | 'preflight'
  | 'leave'
  | 'cleanup'
  | 'init'
  | 'managers'
  | 'demote'
  | 'workers'
  | 'labels'
  | 'network'
  | 'verify';

export type PlanStep =
  /** Informational: the host is left alone (no change). */
  | { kind: 'skip'; stage: 'preflight'; host: string; cause: SkipCause; reason: string }
  /**
   * `POST /swarm/leave` on the host. force: needed for a manager (of a foreign swarm, a stuck join, or
   * the last manager at teardown). Stage `leave` in up; `workers`/`managers` in down.
   */
  | { kind: 'leave'; stage: 'leave' | 'workers' | 'managers'; host: string; force: boolean; reason: string }
  /**
   * On the leader: demote a manager. host is undefined for a stale entry no inventory host owns now.
   * Stage `cleanup` (stale entries), `demote` (role change in up) or `managers` (down).
   */
  | {
      kind: 'demote';
      stage: 'cleanup' | 'demote' | 'managers';
      host?: string;
      nodeId: string;
      hostname: string;
      reason: string;
    }
  /**
   * On the leader: `DELETE /nodes/{id}` of an entry that is down and replaced (stale), or of a host that
   * left in a partial `down` (those come last, after the leaves).
   */
  | {
      kind: 'remove-node';
      stage: 'cleanup';
      host?: string;
      nodeId: string;
      hostname: string;
      reason: string;
    }
  /**
   * `POST /swarm/init` with ForceNewCluster on the only live manager of a leaderless swarm whose other
   * Raft members are ghosts (hosts whose own engine is no longer part of it): the swarm keeps its
   * state (services, networks, secrets) and gets a leader again with this host as its only manager.
   */
  | {
      kind: 'force-new-cluster';
      stage: 'preflight';
      host: string;
      /** The ghost members dropped from Raft: inventory host and the node id Raft still holds. */
      ghosts: { host: string; nodeId: string }[];
      reason: string;
    }
  /** `POST /swarm/init` on the host, advertising its inventory address, labelled as ours. */
  | { kind: 'init'; stage: 'init'; host: string }
  /** The swarm exists: nothing to create (no change). */
  | { kind: 'reuse'; stage: 'init'; clusterId: string; managers: number; reachable: number }
  /** On the leader: promote a worker of our swarm. */
  | { kind: 'promote'; stage: 'managers'; host: string; nodeId: string }
  /** Join as manager; one at a time, each confirmed Reachable before the next. */
  | { kind: 'join-manager'; stage: 'managers'; host: string }
  /** Join as worker; these run in parallel. */
  | { kind: 'join-worker'; stage: 'workers'; host: string }
  /** On the leader: update the node spec's labels. nodeId is undefined for hosts joining in this run. */
  | {
      kind: 'set-labels';
      stage: 'labels';
      host: string;
      nodeId?: string;
      add: Record<string, string>;
      remove: string[];
    }
  /** On the leader: create the overlay network. */
  | { kind: 'create-network'; stage: 'network'; network: NetworkWanted }
  /** Check the end state: every node Ready, managers Reachable, one leader, quorum. */
  | {
      kind: 'verify';
      stage: 'verify';
      managers: string[];
      workers: string[];
      quorum: number;
    };

export type StepKind = PlanStep['kind'];

/** Stages whose steps may run concurrently. */
export const PARALLEL_STAGES: ReadonlySet<PlanStage> = new Set<PlanStage>(['workers', 'labels']);

/** Steps that change nothing: a plan of only these is a no-op. */
export const NO_CHANGE_KINDS: ReadonlySet<StepKind> = new Set<StepKind>(['skip', 'reuse', 'verify']);

export interface SwarmPlan {
  steps: PlanStep[];
  /** Things to tell the user that are not steps (nodes outside the inventory, an even manager count…). */
  notes: string[];
  /** Managers after the plan runs, and the quorum they need. */
  managers: number;
  quorum: number;
  /**
   * What the plan cannot fix in this run (an unreachable manager kept without
   * --replace-unreachable-managers): the run ends partial, never "matches the plan".
   */
  unresolved: string[];
}
