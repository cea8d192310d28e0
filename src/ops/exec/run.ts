/**
 * `fleet exec` as an operation: `run(input, rt)` runs one command on many hosts, each connected
 * through the session's pool, with output split into lines and emitted as events as it arrives;
 * it writes the JSON report and returns it. Deciding what to print and which exit code to use
 * belongs to the front end (frontends/cli/commands/exec.ts) and the views.
 */
import type { HostTarget } from '../../core/host.js';
import { foldHosts } from '../../core/host-range.js';
import { groupOutputs } from '../../core/output-groups.js';
import type { ExecHostReport, ExecReport } from '../../core/report.js';
import { buildExecReport, withoutOutput } from '../../core/report.js';
import type { EventBus } from '../../runtime/events.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import { runExec } from './hosts.js';
import { Outdir } from './outdir.js';

export interface ExecInput {
  command: string;
  hosts: HostTarget[];
  /** Hosts running at once (-c, FLEET_MAX_JOBS). */
  concurrency: number;
  /** Command timeout; expiry kills the remote process group. */
  timeoutMs?: number;
  sudo?: boolean;
  /** --group: fold hosts with identical output into output:group events after the run. */
  group?: boolean;
  /**
   * --outdir: every byte of every host, written as it arrives. A path is prepared here; the CLI
   * passes an Outdir it already prepared, so a bad --outdir fails before anything else starts.
   */
  outdir?: string | Outdir;
  /** Bytes of each stream kept per host for the report (--max-output); the rest is only streamed. */
  maxOutput?: number;
  /** --report FILE instead of the default report path. */
  reportPath?: string;
  /** How long to wait for running hosts to settle after an abort (default 5 s). */
  abortGraceMs?: number;
}

/**
 * Runs the command, closes the run's connections, then builds and writes the report (also after an
 * abort: unfinished hosts are marked interrupted). Throws only for errors that stop the whole run
 * before any host report exists (a bad --outdir, an unwritable report).
 */
export async function run(input: ExecInput, rt: Runtime): Promise<OperationResult<ExecReport>> {
  const { bus, signal } = rt;
  const outdir = typeof input.outdir === 'string' ? new Outdir(input.outdir) : input.outdir;
  if (typeof input.outdir === 'string') outdir?.prepare();
  const startedAt = new Date();
  let hosts: ExecHostReport[];
  try {
    hosts = await runExec({
      command: input.command,
      hosts: input.hosts,
      pool: await rt.pool(),
      bus,
      concurrency: input.concurrency,
      timeoutMs: input.timeoutMs,
      sudo: input.sudo,
      sudoPassword: rt.sudoPassword,
      signal,
      abortGraceMs: input.abortGraceMs,
      maxOutput: input.maxOutput,
      outdir,
    });
  } finally {
    await rt.releasePool();
  }
  const report = buildExecReport({
    command: input.command,
    startedAt,
    durationMs: Date.now() - startedAt.getTime(),
    interrupted: signal.aborted,
    maxOutputBytes: input.maxOutput,
    hosts,
  });
  outdir?.check();
  if (input.group) emitGroups(bus, hosts);
  const path = await rt.writeReport('exec', report, startedAt, input.reportPath, (at) =>
    withoutOutput(report, at),
  );
  bus.log('info', `report: ${path}`);
  bus.emit({
    type: 'run:done',
    ok: report.successful === report.total_devices,
    durationMs: report.duration_seconds * 1000,
    interrupted: report.was_interrupted,
  });
  return { result: report, reportPath: path };
}

function emitGroups(bus: EventBus, hosts: ExecHostReport[]): void {
  const groups = groupOutputs(
    hosts.map((h) => ({
      id: h.id,
      exitCode: h.exit_code,
      stdout: h.output,
      stderr: h.stderr,
      error: h.error,
      // Cut outputs are told apart by their full content, not only by the kept halves.
      fingerprint: h.truncated && `${h.truncated.stdout?.sha256}/${h.truncated.stderr?.sha256}`,
    })),
    (ids) => foldHosts(ids),
  );
  for (const g of groups) bus.emit({ type: 'output:group', ...g });
}
