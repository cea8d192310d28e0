/**
 * Probing hosts, the first steps of every operation that talks to Docker: connect over SSH, then the
 * engine handshake and (optionally) facts.sh on parallel channels of that one connection. The swarm
 * preflight runs it; backup/restore's observation can run the same steps.
 */
import { createDockerEngineWithInfo } from '../../../adapters/docker/engine.js';
import type { DockerEngine, EngineInfo } from '../../../adapters/docker/types.js';
import type { SshConnection, SshPool } from '../../../adapters/ssh/types.js';
import { toFleetError, type FleetError } from '../../../core/errors.js';
import { dockerFactsFromEngine, parseFacts, type Facts } from '../../../core/facts.js';
import type { HostTarget } from '../../../core/host.js';
import type { EventBus } from '../../../runtime/events.js';
import { withDeadline } from '../../../core/poll.js';
import { forEachHost } from '../../../runtime/for-each-host.js';
import { readFacts } from '../facts-reader.js';

/** What probing learned about one host; `error` set when a step failed (the rest is then partial). */
export interface HostSlot {
  target: HostTarget;
  conn?: SshConnection;
  engine?: DockerEngine;
  info?: EngineInfo & { apiVersion: string };
  facts?: Facts;
  error?: FleetError;
  durationMs: number;
}

/** The parts of a session probing needs (a swarm context has them; so does a Runtime with its pool). */
export interface ProbeEnv {
  bus: EventBus;
  signal: AbortSignal;
  pool: SshPool;
}

export interface ProbeOptions {
  /** Read facts.sh too (up needs them for roles; down and backup do not). */
  facts: boolean;
  /**
   * facts.sh's output already read on the host in another session (the cluster lock's:
   * Runtime.lockOutput); undefined there means "run it here".
   */
  factsOutput?: (host: string) => Promise<string | undefined>;
  sudoPassword?: string;
  /** Hosts probed at once (handshakes are capped by the SSH pool anyway). */
  concurrency: number;
}

/** Step 1: the SSH connection, shown as "connecting" on the view. */
export async function connectHost(env: ProbeEnv, slot: HostSlot): Promise<SshConnection> {
  env.bus.hostState(slot.target.id, 'connecting');
  slot.conn = await env.pool.connect(slot.target, env.signal);
  return slot.conn;
}

/**
 * Connects, then runs facts and the engine handshake at the same time on separate channels of the
 * one connection (sequential would add a facts.sh run to every host's preflight). Never throws:
 * the failure is in slot.error, and the host is left "connecting"/"running" for the caller to settle.
 */
export async function probeHost(
  env: ProbeEnv,
  slot: HostSlot,
  o: Omit<ProbeOptions, 'concurrency'>,
): Promise<void> {
  const started = Date.now();
  try {
    const conn = await connectHost(env, slot);
    env.bus.hostState(slot.target.id, 'running', 'facts, docker');
    // Facts and the engine handshake use separate channels of the one connection, at the same time.
    // The engine's handshake is its GET /info (one request, not /version then /info).
    const [facts, { engine, info }] = await Promise.all([
      o.facts ? factsOf(env, slot, conn, o.factsOutput) : Promise.resolve(undefined),
      createDockerEngineWithInfo(conn, { signal: env.signal, sudoPassword: o.sudoPassword }),
    ]);
    slot.engine = engine;
    slot.info = { ...info, apiVersion: engine.apiVersion };
    slot.facts = facts && (await withEngineDocker(env, conn, facts, slot.info));
    slot.durationMs += Date.now() - started;
    env.bus.hostState(slot.target.id, 'waiting', `docker ${engine.serverVersion} (API ${engine.apiVersion})`);
  } catch (err) {
    slot.durationMs += Date.now() - started;
    slot.error = toFleetError(err);
  }
}

/** Deadline for facts.sh's output from the lock's session (the lock script bounds it to 60 s). */
const LOCK_OUTPUT_MS = 65_000;

/** facts.sh's output from the lock's session when there is one, else facts.sh run now. */
async function factsOf(
  env: ProbeEnv,
  slot: HostSlot,
  conn: SshConnection,
  factsOutput: ProbeOptions['factsOutput'],
): Promise<Facts> {
  const host = slot.target.id;
  const text =
    factsOutput &&
    (await withDeadline(
      'facts.sh in the lock session',
      LOCK_OUTPUT_MS,
      env.signal,
      () => factsOutput(host),
      host,
    ));
  if (text) return parseFacts(text, { host });
  return (await readFacts(conn, { signal: env.signal })).facts;
}

/**
 * Facts read with `--docker-from-api` (the lock's session: ops/swarm/run.ts lockAlsoRun) get their
 * docker part from the engine's /info. Their disk facts describe the configured Docker root
 * (daemon.json or the default); an engine keeping its data elsewhere (dockerd --data-root) has
 * facts.sh run again here, in full, so the disk scored is the one its Raft log would live on.
 */
async function withEngineDocker(
  env: ProbeEnv,
  conn: SshConnection,
  facts: Facts,
  info: EngineInfo & { apiVersion: string },
): Promise<Facts> {
  if (facts.docker.status !== 'deferred') return facts;
  if (info.dockerRootDir && info.dockerRootDir !== facts.disk.dockerRoot)
    return (await readFacts(conn, { signal: env.signal })).facts;
  return { ...facts, docker: dockerFactsFromEngine(info) };
}

/** probeHost for every slot, `concurrency` at a time. */
export async function probeHosts(env: ProbeEnv, slots: HostSlot[], o: ProbeOptions): Promise<void> {
  await forEachHost(slots, { concurrency: o.concurrency }, (slot) => probeHost(env, slot, o));
}
