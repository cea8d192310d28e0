/**
 * `fleet wait`: until every selected host accepts SSH (default), its Docker engine answers, or it is
 * an active swarm member, or the timeout. Each host polls through core/poll.ts pollUntil (backoff,
 * per-attempt deadline) inside the one fan-out; the view hears host:state / host:done.
 */
import { FleetError, toFleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import { pollUntil } from '../../core/poll.js';
import { roundSeconds } from '../../core/report.js';
import { forEachHost } from '../../runtime/for-each-host.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import { checkReady, type ReadyLevel } from '../shared/readiness.js';

export interface WaitInput {
  hosts: HostTarget[];
  level: ReadyLevel;
  timeoutMs: number;
  concurrency: number;
  reportPath?: string;
}

export interface WaitHostReport {
  id: string;
  ip: string;
  status: 'online' | 'timeout' | 'interrupted';
  /** Seconds until it answered (or until the run gave up). */
  seconds: number;
  error: string | null;
}

export interface WaitReport {
  command: 'wait';
  level: ReadyLevel;
  timestamp: string;
  timeout_seconds: number;
  total_devices: number;
  online: number;
  duration_seconds: number;
  was_interrupted: boolean;
  hosts: WaitHostReport[];
}

const WHAT: Record<ReadyLevel, string> = {
  ssh: 'SSH',
  docker: 'the Docker engine',
  swarm: 'an active swarm node',
};

export async function run(input: WaitInput, rt: Runtime): Promise<OperationResult<WaitReport>> {
  const { bus, signal } = rt;
  const startedAt = new Date();
  const started = Date.now();
  bus.emit({
    type: 'run:start',
    command: `wait --${input.level}`,
    hosts: input.hosts.map((h) => h.id),
    at: started,
  });
  let hosts: WaitHostReport[];
  try {
    const pool = await rt.pool();
    hosts = await forEachHost(input.hosts, { concurrency: input.concurrency }, async (host) => {
      bus.hostState(host.id, 'waiting', 'waiting');
      try {
        await pollUntil(
          `${host.id} (${WHAT[input.level]})`,
          (attempt) => checkReady(pool, host, input.level, attempt, rt.sudoPassword),
          {
            timeoutMs: Math.max(0, started + input.timeoutMs - Date.now()),
            signal,
            host: host.id,
            attemptMs: 15_000,
            maxDelayMs: 2000,
          },
        );
        const ms = Date.now() - started;
        bus.emit({ type: 'host:done', host: host.id, ok: true, durationMs: ms });
        return { id: host.id, ip: host.address, status: 'online', seconds: roundSeconds(ms), error: null };
      } catch (err) {
        const e = toFleetError(err);
        const ms = Date.now() - started;
        const interrupted = e.code === 'interrupted';
        bus.emit({
          type: 'host:done',
          host: host.id,
          ok: false,
          failure: interrupted ? 'interrupted' : 'timeout',
          error: e.message,
          durationMs: ms,
        });
        return {
          id: host.id,
          ip: host.address,
          status: interrupted ? 'interrupted' : 'timeout',
          seconds: roundSeconds(ms),
          error: e.message,
        };
      }
    });
  } finally {
    await rt.releasePool();
  }
  const report: WaitReport = {
    command: 'wait',
    level: input.level,
    timestamp: startedAt.toISOString(),
    timeout_seconds: input.timeoutMs / 1000,
    total_devices: hosts.length,
    online: hosts.filter((h) => h.status === 'online').length,
    duration_seconds: roundSeconds(Date.now() - started),
    was_interrupted: signal.aborted,
    hosts,
  };
  const path = await rt.writeReport('wait', report, startedAt, input.reportPath);
  const missing = hosts.filter((h) => h.status !== 'online').map((h) => h.id);
  let error: FleetError | undefined;
  if (signal.aborted)
    error = new FleetError('interrupted', `interrupted while waiting for ${missing.join(', ')}`);
  else if (missing.length > 0) {
    error = new FleetError(
      'timeout',
      `timed out after ${input.timeoutMs / 1000}s waiting for ${WHAT[input.level]} on ${missing.length} of ${hosts.length} hosts: ${missing.join(', ')}`,
      { hint: 'check those hosts (power, network, sshd/dockerd), or wait longer with --timeout' },
    );
  }
  bus.emit({
    type: 'run:done',
    ok: !error,
    durationMs: Date.now() - started,
    interrupted: signal.aborted,
    error: error?.message,
  });
  return { result: report, reportPath: path, error };
}
