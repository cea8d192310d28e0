/**
 * THE rolling engine of `fleet reboot` and `fleet rollout`: read each host's swarm membership, order
 * the hosts in waves (core/rolling-plan.ts: managers one at a time, then the others in batches),
 * and per wave drain the swarm nodes, run the operation's step on every host of the wave, activate
 * the nodes whose step succeeded. Stops after the first wave with a failure (unless --continue); a
 * node whose step failed stays drained and is named with the command that activates it.
 *
 * A node the user had drained (or paused) before the run is left as it was: not drained again, not
 * activated after. Before a wave takes managers down, a swarm of three or more managers must keep
 * quorum without them (a manager already unreachable uses up the margin), else the run stops.
 * The caller owns the pool: `fleet bootstrap` restarts engines with this in the middle of its run.
 *
 * Ctrl-C (the runtime's signal) stops after the current wave, not inside it: the steps run with a
 * signal of their own, so a node half way through its maintenance is finished and activated rather
 * than left drained in an unknown state. A second Ctrl-C exits the process (frontends/cli).
 */
import type { DockerEngine } from '../../adapters/docker/types.js';
import { FleetError, toFleetError } from '../../core/errors.js';
import { failureKind, type HostTarget } from '../../core/host.js';
import { pollUntil } from '../../core/poll.js';
import { roundSeconds } from '../../core/report.js';
import { checkAllAtOnce, checkWaveQuorum, rollingWaves } from '../../core/rolling-plan.js';
import { forEachHost } from '../../runtime/for-each-host.js';
import type { Runtime } from '../../runtime/types.js';
import { waitDrained, waitServicesRun, type DrainWaitResult } from './drain-wait.js';
import { withManager, type ManagerConn } from './manager.js';
import { managerCandidates, readMembership, setAvailability, type NodeInfo } from './rolling-nodes.js';

export type { NodeInfo } from './rolling-nodes.js';

/** When no manager answers to drain, check quorum or activate through. */
export const NO_MANAGER_HINT = 'select a manager too (-n), or pass --no-drain';

/** How long a drained node's tasks may take to stop, then to run again elsewhere (an image pull). */
const DRAIN_MOVE_MS = 120_000;
const DRAIN_SETTLE_MS = 120_000;

export type RollingStatus = 'ok' | 'failed' | 'not-started';

/** What every rolling report has per host; the operation adds its own fields. */
export interface RollingRow {
  id: string;
  ip: string;
  role: NodeInfo['role'];
  status: RollingStatus;
  seconds: number;
  error: string | null;
}

export interface LeftDrained {
  id: string;
  node_id: string;
  /** Run on a manager to make the node take tasks again. */
  activate: string;
}

export interface RollingOptions<R extends RollingRow> {
  hosts: HostTarget[];
  batch?: number;
  drain: boolean;
  allAtOnce?: boolean;
  force?: boolean;
  continueOnError?: boolean;
  /** The operation's own fields of a host's row (status, seconds, error are the engine's). */
  row(n: NodeInfo): Omit<R, keyof RollingRow>;
  /** The work on one host; throws when it failed. Fills its own fields of `row`. */
  step(n: NodeInfo, row: R, signal: AbortSignal): Promise<void>;
  /** How the stop message names the failed hosts: "did not come back", "failed". */
  failedWords: string;
  /** False inside another operation's phase (bootstrap): no wave phases or host:done events of its own. */
  hostEvents?: boolean;
  /** Said in the quorum refusal: what the step would do ("rebooting", "restarting Docker on"). */
  stepWords?: string;
  /** Told of each drain and activation (also emitted as `change` events), for the caller's report rows. */
  onChange?: (host: string, description: string) => void;
}

export interface RollingOutcome<R extends RollingRow> {
  rows: R[];
  leftDrained: LeftDrained[];
  interrupted: boolean;
  error?: FleetError;
}

export async function runRolling<R extends RollingRow>(
  o: RollingOptions<R>,
  rt: Runtime,
): Promise<RollingOutcome<R>> {
  const { bus, signal } = rt;
  const pool = await rt.pool();
  const hostEvents = o.hostEvents !== false;
  const rows = new Map<string, R>();
  const drained = new Map<string, NodeInfo>();
  // The steps' signal: not the runtime's, so a Ctrl-C lets the current wave finish (see above).
  const stepSignal = new AbortController().signal;
  let error: FleetError | undefined;
  try {
    const nodes = await forEachHost(o.hosts, { concurrency: 32 }, (t) =>
      readMembership(pool, t, signal, rt.sudoPassword),
    );
    for (const n of nodes) {
      const base: RollingRow = {
        id: n.id,
        ip: n.target.address,
        role: n.role,
        status: 'not-started',
        seconds: 0,
        error: null,
      };
      rows.set(n.id, { ...base, ...o.row(n) } as R);
    }
    if (o.allAtOnce) {
      const managers = nodes.filter((n) => n.role === 'manager').length;
      checkAllAtOnce(managers, Math.max(0, ...nodes.map((n) => n.managers)), o.force === true);
    }
    const candidates = managerCandidates(nodes);
    const waves = rollingWaves(nodes, { batch: o.batch, allAtOnce: o.allAtOnce }) as NodeInfo[][];
    for (const [i, wave] of waves.entries()) {
      if (signal.aborted) break;
      const phase = `wave ${i + 1}/${waves.length}: ${wave.map((n) => n.id).join(', ')}`;
      if (hostEvents) bus.emit({ type: 'phase:start', phase, at: Date.now() });
      const started = Date.now();
      const inWave = new Set(wave.map((n) => n.id));
      const members = wave.filter((n) => n.nodeId !== undefined);
      const managersDown = wave.filter((n) => n.role === 'manager');
      if (managersDown.length > 0 && !(o.allAtOnce && o.force)) {
        await withManager(
          rt,
          candidates,
          (m) => checkQuorumWithout(m.engine, managersDown, o.stepWords ?? 'taking down', stepSignal),
          { avoid: inWave, signal: stepSignal, hint: NO_MANAGER_HINT },
        );
      }
      if (o.drain && members.length > 0) {
        await withManager(
          rt,
          candidates,
          async (m) => {
            // What the last wave moved (or a leader change made the swarm re-read) runs again first.
            warnUnsettled(
              rt,
              await waitServicesRun(rt, m, undefined, { settleMs: DRAIN_SETTLE_MS, signal: stepSignal }),
            );
            const now: NodeInfo[] = [];
            for (const n of members) {
              // Drained or paused by the user: left as it is, and not activated after the step.
              const availability = (await m.engine.inspectNode(n.nodeId!, stepSignal)).availability;
              if (availability !== 'active') {
                bus.log('info', `already ${availability}: left ${availability} after the step`, n.id);
                continue;
              }
              await setAvailability(m.engine, n.nodeId!, 'drain', stepSignal);
              drained.set(n.id, n);
              now.push(n);
              bus.emit({ type: 'change', host: n.id, description: 'drained', dryRun: false });
              o.onChange?.(n.id, 'drained');
            }
            if (now.length > 0) await waitMoved(rt, m, now, stepSignal);
          },
          { avoid: inWave, signal: stepSignal, hint: NO_MANAGER_HINT },
        );
      }
      const results = await Promise.all(wave.map((n) => stepOne(n, rows.get(n.id)!, o, rt, stepSignal)));
      const back = wave.filter((n, k) => results[k] && drained.has(n.id));
      if (back.length > 0) {
        await withManager(
          rt,
          candidates,
          async ({ engine }) => {
            for (const n of back) {
              await setAvailability(engine, n.nodeId!, 'active', stepSignal);
              drained.delete(n.id);
              bus.emit({ type: 'change', host: n.id, description: 'activated', dryRun: false });
              o.onChange?.(n.id, 'activated');
            }
          },
          { signal: stepSignal, hint: NO_MANAGER_HINT },
        );
      }
      const failed = wave.filter((_, k) => !results[k]);
      if (hostEvents)
        bus.emit({ type: 'phase:done', phase, ok: failed.length === 0, durationMs: Date.now() - started });
      if (failed.length > 0 && !o.continueOnError) {
        error = new FleetError(
          'partial',
          `stopped after ${failed.map((n) => n.id).join(', ')} ${o.failedWords}`,
          {
            hint: 'check those hosts; run again for the rest (or pass --continue)',
          },
        );
        break;
      }
    }
  } catch (err) {
    error = toFleetError(err);
  }
  for (const row of rows.values()) {
    if (row.status !== 'not-started' || !hostEvents) continue;
    bus.emit({ type: 'host:done', host: row.id, ok: false, notStarted: true, durationMs: 0 });
  }
  const leftDrained = [...drained.values()].map((n) => ({
    id: n.id,
    node_id: n.nodeId!,
    activate: `docker node update --availability active ${n.nodeId!}`,
  }));
  const failed = [...rows.values()].filter((r) => r.status === 'failed').map((r) => r.id);
  if (!error && failed.length > 0)
    error = new FleetError('partial', `${failed.join(', ')} ${o.failedWords}`, { hint: 'check those hosts' });
  if (!error && signal.aborted)
    error = new FleetError('interrupted', 'interrupted: stopped after the current wave');
  // In the message itself, so it is said with --json too: nothing stays drained silently.
  if (error && leftDrained.length > 0) {
    const list = leftDrained.map((d) => `${d.id} (on a manager run: ${d.activate})`).join('; ');
    error = new FleetError(error.code, `${error.message}; still drained: ${list}`, {
      hint: error.hint,
      host: error.host,
    });
  }
  return { rows: [...rows.values()], leftDrained, interrupted: signal.aborted, error };
}

/** Runs the step on one host, fills the engine's fields of its row; true when it succeeded. */
async function stepOne<R extends RollingRow>(
  n: NodeInfo,
  row: R,
  o: RollingOptions<R>,
  rt: Runtime,
  signal: AbortSignal,
): Promise<boolean> {
  const started = Date.now();
  let err: unknown;
  try {
    await o.step(n, row, signal);
  } catch (e) {
    err = e;
  }
  row.status = err === undefined ? 'ok' : 'failed';
  row.seconds = roundSeconds(Date.now() - started);
  row.error = err === undefined ? null : toFleetError(err).message;
  if (o.hostEvents === false) return err === undefined;
  rt.bus.emit({
    type: 'host:done',
    host: n.id,
    ok: err === undefined,
    failure: err === undefined ? undefined : (failureKind(toFleetError(err).code) ?? 'exit'),
    error: row.error ?? undefined,
    durationMs: Date.now() - started,
  });
  return err === undefined;
}

/**
 * The wave's step waits until the drained nodes' tasks have left and run again elsewhere: stopping
 * the next nodes while the last ones' replacements still start would add the capacity lost up (a
 * batch of 2 could take 3 replicas away). Tasks that keep running past the budget are stopped by
 * the step; services that cannot run everything elsewhere are said, and the wave goes on.
 */
async function waitMoved(rt: Runtime, m: ManagerConn, nodes: NodeInfo[], signal: AbortSignal): Promise<void> {
  const drained = nodes.map((n) => ({ nodeId: n.nodeId!, name: n.id }));
  try {
    const moved = await waitDrained(rt, m, drained, {
      moveMs: DRAIN_MOVE_MS,
      settleMs: DRAIN_SETTLE_MS,
      signal,
    });
    warnUnsettled(rt, moved);
  } catch (err) {
    if (!(err instanceof FleetError) || err.code !== 'timeout') throw err;
    rt.bus.log('warn', `${err.message}; going on (the step stops what is left)`);
  }
}

function warnUnsettled(rt: Runtime, r: DrainWaitResult): void {
  for (const u of r.unscheduled) rt.bus.log('warn', `could not be rescheduled: ${u}`);
  for (const u of r.starting) rt.bus.log('warn', `still starting elsewhere: ${u}`);
}

/**
 * Refuses a wave whose managers going down would take the last quorum margin of a swarm of three or
 * more managers. One or two managers cannot keep quorum while one of them is down: the wave goes on,
 * as a reboot of a single-manager swarm must.
 */
async function checkQuorumWithout(
  engine: DockerEngine,
  down: NodeInfo[],
  stepWords: string,
  signal: AbortSignal,
): Promise<void> {
  const goingDown = new Set(down.map((n) => n.nodeId));
  const names = down.map((n) => n.id);
  const check = async (attempt: AbortSignal): Promise<true> => {
    const managers = (await engine.listNodes(attempt)).filter((x) => x.manager);
    const left = managers.filter(
      (x) => x.manager?.reachability === 'reachable' && !goingDown.has(x.id),
    ).length;
    checkWaveQuorum(stepWords, names, managers.length, left);
    return true;
  };
  // A manager back from the previous wave may read unreachable for a heartbeat or two in the list:
  // give the margin a moment to show before refusing; the last reading decides.
  const ok = await pollUntil(
    'the managers to be Reachable before the next wave',
    (a) => check(a).catch(() => undefined),
    {
      timeoutMs: 30_000,
      signal,
      initialDelayMs: 500,
    },
  ).catch(() => undefined);
  if (!ok) await check(signal);
}
