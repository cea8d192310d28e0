/**
 * `fleet rollout -- CMD`: any maintenance command (`apt-get upgrade -y`, a config change and a
 * service restart) run through the rolling engine (ops/shared/rolling.ts), the same order and
 * safety as `fleet reboot`: managers one at a time, then workers in batches, each swarm node drained
 * before and activated after. A host's step succeeds when the command exits 0 and the host is then
 * ready again (SSH for hosts outside a swarm; a Ready node, for a manager Reachable with quorum,
 * for members: the command may have restarted Docker). A failed host stays drained and is named.
 */
import { FleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import { pollUntil } from '../../core/poll.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import { checkReady } from '../shared/readiness.js';
import { runRollingCommand, type RollingReportBase } from '../shared/rolling-run.js';
import type { NodeInfo, RollingRow } from '../shared/rolling.js';

/** The tail of a host's output kept in the report (the whole output can be megabytes of apt). */
export const OUTPUT_TAIL_BYTES = 4096;

export interface RolloutInput {
  hosts: HostTarget[];
  /** The maintenance command, run by the login shell (through sudo with `sudo`). */
  command: string;
  batch?: number;
  drain: boolean;
  /** How long the command may run on one host, and then how long the host may take to be ready. */
  timeoutMs: number;
  sudo?: boolean;
  /** Keep going after a host failed (default: stop at the first failure). */
  continueOnError?: boolean;
  reportPath?: string;
}

export interface RolloutHostReport extends RollingRow {
  exit_code: number | null;
  /** The last OUTPUT_TAIL_BYTES of stdout and stderr together, in the order they arrived. */
  output: string;
}

export interface RolloutReport extends RollingReportBase<RolloutHostReport> {
  command: 'rollout';
  /** The maintenance command that ran on each host. */
  run: string;
  succeeded: number;
}

export function run(input: RolloutInput, rt: Runtime): Promise<OperationResult<RolloutReport>> {
  return runRollingCommand<RolloutHostReport, RolloutReport>(
    {
      command: 'rollout',
      hosts: input.hosts,
      reportPath: input.reportPath,
      rolling: {
        batch: input.batch,
        drain: input.drain,
        continueOnError: input.continueOnError,
        row: () => ({ exit_code: null, output: '' }),
        step: (n, row, signal) => rolloutOne(n, row, input, rt, signal),
        failedWords: 'failed',
        stepWords: 'running the command on',
      },
      device: (row) => ({ exit_code: row.exit_code, output: row.output }),
      report: (base, succeeded) => ({ command: 'rollout', run: input.command, ...base, succeeded }),
    },
    rt,
  );
}

/** Runs the command on one host, then waits until the host is ready again; throws on a failure. */
async function rolloutOne(
  n: NodeInfo,
  row: RolloutHostReport,
  input: RolloutInput,
  rt: Runtime,
  signal: AbortSignal,
): Promise<void> {
  const { bus } = rt;
  const pool = await rt.pool();
  bus.hostState(n.id, 'running', 'running the command');
  const conn = await pool.connect(n.target, signal);
  let tail = Buffer.alloc(0);
  const keep = (chunk: Buffer): void => {
    tail = Buffer.concat([tail, chunk]);
    if (tail.length > OUTPUT_TAIL_BYTES) tail = tail.subarray(tail.length - OUTPUT_TAIL_BYTES);
  };
  const result = await conn.exec(input.command, {
    sudo: input.sudo,
    sudoPassword: rt.sudoPassword,
    signal,
    timeoutMs: input.timeoutMs,
    collect: false,
    onStdout: keep,
    onStderr: keep,
  });
  row.exit_code = result.exitCode;
  row.output = tail.toString('utf8');
  if (result.timedOut) {
    throw new FleetError(
      'timeout',
      `the command ran longer than ${input.timeoutMs / 1000}s on ${n.id} and was killed`,
      {
        host: n.id,
      },
    );
  }
  if (result.exitCode !== 0) {
    const said = row.output.trim().split('\n').pop() ?? '';
    throw new FleetError(
      'remote-exit',
      `the command failed on ${n.id} (exit ${result.exitCode ?? result.signal})${said ? `: ${said}` : ''}`,
      { host: n.id },
    );
  }
  if (n.role === 'none') return;
  bus.hostState(n.id, 'running', 'waiting for the node to be ready');
  await pollUntil(
    `${n.id} to be a ready swarm node again`,
    (attempt) => checkReady(pool, n.target, 'swarm', attempt, rt.sudoPassword),
    {
      timeoutMs: input.timeoutMs,
      signal,
      host: n.id,
      attemptMs: 15_000,
      initialDelayMs: 0,
      maxDelayMs: 2000,
    },
  );
}
