/**
 * `fleet reboot`: a rolling reboot. Swarm managers one at a time, each waited for until it is back
 * (new boot id) as a Ready, Reachable manager (which needs quorum) before the next; then workers and
 * non-swarm hosts in batches; swarm nodes drained first and activated once Ready (unless --no-drain).
 * `--all-at-once` is refused when it would take quorum away (core/reboot-plan.ts). Ctrl-C stops
 * after the current wave; the report and the result name any node left drained.
 */
import { FleetError, toFleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import { pollUntil } from '../../core/poll.js';
import { checkAllAtOnce, rollingWaves } from '../../core/reboot-plan.js';
import { roundSeconds } from '../../core/report.js';
import { forEachHost } from '../../runtime/for-each-host.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import { checkReady } from '../shared/readiness.js';
import {
  managerCandidates,
  readMembership,
  setAvailability,
  withManager,
  type NodeInfo,
} from '../shared/swarm-nodes.js';

export const DEFAULT_REBOOT_COMMAND = 'systemctl reboot || shutdown -r now';

export interface RebootInput {
  hosts: HostTarget[];
  batch?: number;
  drain: boolean;
  allAtOnce?: boolean;
  force?: boolean;
  /** Per wave: how long a host may take to come back. */
  timeoutMs: number;
  sudo?: boolean;
  /** Keep going after a host failed (default: stop at the first failure). */
  continueOnError?: boolean;
  /** What reboots a host (default DEFAULT_REBOOT_COMMAND). */
  command?: string;
  reportPath?: string;
}

export interface RebootHostReport {
  id: string;
  role: NodeInfo['role'];
  status: 'ok' | 'failed' | 'interrupted' | 'not-started';
  old_boot_id: string | null;
  new_boot_id: string | null;
  seconds: number;
  error: string | null;
}

export interface RebootReport {
  command: 'reboot';
  timestamp: string;
  duration_seconds: number;
  was_interrupted: boolean;
  total_devices: number;
  rebooted: number;
  /** Nodes fleet drained and could not activate again, with the command that does it. */
  left_drained: { id: string; node_id: string; activate: string }[];
  hosts: RebootHostReport[];
}

export async function run(input: RebootInput, rt: Runtime): Promise<OperationResult<RebootReport>> {
  const { bus, signal } = rt;
  const startedAt = new Date();
  const pool = await rt.pool();
  const rows = new Map<string, RebootHostReport>();
  const drained = new Map<string, NodeInfo>();
  let error: FleetError | undefined;
  bus.emit({ type: 'run:start', command: 'reboot', hosts: input.hosts.map((h) => h.id), at: Date.now() });
  try {
    const nodes = await forEachHost(input.hosts, { concurrency: 32 }, (t) =>
      readMembership(pool, t, signal, rt.sudoPassword),
    );
    for (const n of nodes) {
      rows.set(n.id, {
        id: n.id,
        role: n.role,
        status: 'not-started',
        old_boot_id: null,
        new_boot_id: null,
        seconds: 0,
        error: null,
      });
    }
    const selectedManagers = nodes.filter((n) => n.role === 'manager');
    if (input.allAtOnce)
      checkAllAtOnce(
        selectedManagers.length,
        Math.max(0, ...nodes.map((n) => n.managers)),
        input.force === true,
      );
    const candidates = managerCandidates(nodes);
    const waves = rollingWaves(nodes, { batch: input.batch, allAtOnce: input.allAtOnce }) as NodeInfo[][];
    for (const [i, wave] of waves.entries()) {
      if (signal.aborted) break;
      const phase = `wave ${i + 1}/${waves.length}: ${wave.map((n) => n.id).join(', ')}`;
      bus.emit({ type: 'phase:start', phase, at: Date.now() });
      const started = Date.now();
      const inWave = new Set(wave.map((n) => n.id));
      const members = wave.filter((n) => n.nodeId !== undefined);
      if (input.drain && members.length > 0) {
        await withManager(pool, candidates, inWave, signal, rt.sudoPassword, async (engine) => {
          for (const n of members) {
            await setAvailability(engine, n.nodeId!, 'drain', signal);
            drained.set(n.id, n);
            bus.emit({ type: 'change', host: n.id, description: 'drained', dryRun: false });
          }
        });
      }
      const results = await Promise.all(wave.map((n) => rebootOne(n, input, rt, rows.get(n.id)!)));
      const back = wave.filter((_, k) => results[k]);
      const backMembers = back.filter((n) => n.nodeId !== undefined && drained.has(n.id));
      if (backMembers.length > 0) {
        await withManager(pool, candidates, new Set(), signal, rt.sudoPassword, async (engine) => {
          for (const n of backMembers) {
            await setAvailability(engine, n.nodeId!, 'active', signal);
            drained.delete(n.id);
            bus.emit({ type: 'change', host: n.id, description: 'activated', dryRun: false });
          }
        });
      }
      const failed = wave.filter((_, k) => !results[k]);
      bus.emit({ type: 'phase:done', phase, ok: failed.length === 0, durationMs: Date.now() - started });
      if (failed.length > 0 && !signal.aborted && !input.continueOnError) {
        error = new FleetError(
          'partial',
          `stopped after ${failed.map((n) => n.id).join(', ')} did not come back`,
          {
            hint: 'check those hosts; run again for the rest (or pass --continue)',
          },
        );
        break;
      }
    }
  } catch (err) {
    error = toFleetError(err);
  } finally {
    await rt.releasePool();
  }
  const hosts = [...rows.values()];
  const report: RebootReport = {
    command: 'reboot',
    timestamp: startedAt.toISOString(),
    duration_seconds: roundSeconds(Date.now() - startedAt.getTime()),
    was_interrupted: signal.aborted,
    total_devices: hosts.length,
    rebooted: hosts.filter((h) => h.status === 'ok').length,
    left_drained: [...drained.values()].map((n) => ({
      id: n.id,
      node_id: n.nodeId!,
      activate: `docker node update --availability active ${n.nodeId!}`,
    })),
    hosts,
  };
  for (const d of report.left_drained)
    bus.log('warn', `${d.id} is still drained; on a manager run: ${d.activate}`);
  if (!error && signal.aborted)
    error = new FleetError('interrupted', 'interrupted: stopped after the current wave');
  const path = await rt.writeReport('reboot', report, startedAt, input.reportPath);
  bus.log('info', `report: ${path}`);
  bus.emit({
    type: 'run:done',
    ok: !error,
    durationMs: report.duration_seconds * 1000,
    interrupted: signal.aborted,
    error: error?.message,
  });
  return { result: report, reportPath: path, error };
}

/** Reboots one host and waits for a new boot id and readiness; fills its row, true when it is back. */
async function rebootOne(
  n: NodeInfo,
  input: RebootInput,
  rt: Runtime,
  row: RebootHostReport,
): Promise<boolean> {
  const { bus, signal } = rt;
  const pool = await rt.pool();
  const started = Date.now();
  const level = n.role === 'none' ? 'ssh' : 'swarm';
  const done = (status: RebootHostReport['status'], err?: unknown): boolean => {
    row.status = status;
    row.seconds = roundSeconds(Date.now() - started);
    row.error = err === undefined ? null : toFleetError(err).message;
    const failure =
      status === 'interrupted' ? 'interrupted' : toFleetError(err).code === 'timeout' ? 'timeout' : 'connect';
    bus.emit({
      type: 'host:done',
      host: n.id,
      ok: status === 'ok',
      failure: status === 'ok' ? undefined : failure,
      error: row.error ?? undefined,
      durationMs: Date.now() - started,
    });
    return status === 'ok';
  };
  try {
    bus.hostState(n.id, 'running', 'rebooting');
    const before = await checkReady(pool, n.target, 'ssh', signal);
    row.old_boot_id = before?.bootId ?? null;
    const conn = await pool.connect(n.target, signal);
    const result = await conn
      .exec(input.command ?? DEFAULT_REBOOT_COMMAND, {
        sudo: input.sudo,
        sudoPassword: rt.sudoPassword,
        signal,
        timeoutMs: 30_000,
      })
      .catch((err: unknown) => {
        // The host may drop the connection while the command returns: that is the reboot starting.
        if (toFleetError(err).code === 'connect') return undefined;
        throw err;
      });
    if (result && result.exitCode !== 0 && !result.aborted) {
      const said = result.stderr.toString('utf8').trim().split('\n').pop() ?? '';
      throw new FleetError(
        'remote-exit',
        `the reboot command failed on ${n.id} (exit ${result.exitCode ?? result.signal})${said ? `: ${said}` : ''}`,
        { host: n.id },
      );
    }
    bus.hostState(n.id, 'running', `waiting for a new boot id (${level})`);
    const after = await pollUntil(
      `${n.id} to come back rebooted`,
      async (attempt) => {
        const ready = await checkReady(pool, n.target, level, attempt, rt.sudoPassword);
        return ready && ready.bootId !== row.old_boot_id ? ready : undefined;
      },
      {
        timeoutMs: input.timeoutMs,
        signal,
        host: n.id,
        attemptMs: 15_000,
        initialDelayMs: 1000,
        maxDelayMs: 2000,
      },
    );
    row.new_boot_id = after.bootId;
    return done('ok');
  } catch (err) {
    return done(signal.aborted ? 'interrupted' : 'failed', err);
  }
}
