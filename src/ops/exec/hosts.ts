/**
 * The per-host part of `fleet exec`: a bounded fan-out over the hosts, each connected (pool.connect),
 * then running the command with its output split into lines and emitted as events as it arrives,
 * kept bounded for the report (OutputCapture) and written whole to --outdir.
 */
import { toFleetError } from '../../core/errors.js';
import { failureKind, type FailureKind, type HostTarget } from '../../core/host.js';
import { LineBuffer } from '../../core/line-buffer.js';
import { DEFAULT_MAX_OUTPUT, OutputCapture } from '../../core/output-capture.js';
import type { CutOutput, ExecHostReport } from '../../core/report.js';
import { roundSeconds } from '../../core/report.js';
import type { ExecResult, SshPool } from '../../adapters/ssh/types.js';
import type { EventBus } from '../../runtime/events.js';
import { forEachHost } from '../../runtime/for-each-host.js';
import type { Outdir, OutdirFile } from './outdir.js';

export interface ExecRunOptions {
  command: string;
  hosts: HostTarget[];
  pool: SshPool;
  bus: EventBus;
  concurrency: number;
  timeoutMs?: number;
  sudo?: boolean;
  sudoPassword?: string;
  /** Aborted by Ctrl-C: hosts not yet started are marked interrupted, running commands are killed. */
  signal: AbortSignal;
  abortGraceMs?: number;
  maxOutput?: number;
  outdir?: Outdir;
}

export async function runExec(options: ExecRunOptions): Promise<ExecHostReport[]> {
  const { bus, signal } = options;
  bus.emit({
    type: 'run:start',
    command: options.command,
    hosts: options.hosts.map((h) => h.id),
    at: Date.now(),
  });
  const results: (ExecHostReport | undefined)[] = options.hosts.map(() => undefined);
  const all = forEachHost(options.hosts, { concurrency: options.concurrency }, async (host, i) => {
    results[i] = await runOnHost(host, options);
  });
  // After Ctrl-C every host should settle quickly (the adapter kills the remote command). A host
  // whose network died mid-kill must not hold the report hostage: after the grace period the
  // unsettled ones are reported as interrupted.
  let graceTimer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => {
    const start = () => (graceTimer = setTimeout(resolve, options.abortGraceMs ?? 5000));
    if (signal.aborted) start();
    else signal.addEventListener('abort', start, { once: true });
  });
  try {
    await Promise.race([all, grace]);
  } finally {
    clearTimeout(graceTimer);
  }
  return options.hosts.map(
    (host, i) =>
      results[i] ?? {
        id: host.id,
        ip: host.address,
        status: 'interrupted',
        exit_code: null,
        duration_seconds: 0,
        output: '',
        stderr: '',
        error: 'interrupted: no answer from the host after Ctrl-C',
        failure: 'interrupted',
      },
  );
}

/**
 * One host, start to report. Long (~130 lines) on purpose: every exit (not started, connect failed,
 * channel broke, killed, timed out, exit code) returns through the one `finish` closure, which shares
 * the output captures and --outdir files with the streaming callbacks; split up, those six pieces of
 * state would be passed around instead.
 */
async function runOnHost(host: HostTarget, options: ExecRunOptions): Promise<ExecHostReport> {
  const { bus, signal } = options;
  const started = Date.now();
  const stdout = new OutputCapture(options.maxOutput ?? DEFAULT_MAX_OUTPUT);
  const stderr = new OutputCapture(options.maxOutput ?? DEFAULT_MAX_OUTPUT);
  // Opened once the command starts: a host that never ran it gets no files.
  let files: { out: OutdirFile; err: OutdirFile } | undefined = undefined;
  const finish = (
    status: ExecHostReport['status'],
    failure: FailureKind | null,
    error: string | null,
    result?: ExecResult,
  ): ExecHostReport => {
    const durationMs = Date.now() - started;
    bus.emit({
      type: 'host:done',
      host: host.id,
      ok: status === 'success',
      exitCode: result?.exitCode ?? null,
      failure: failure ?? undefined,
      error: error ?? undefined,
      durationMs,
    });
    const out = stdout.result();
    const err = stderr.result();
    const report: ExecHostReport = {
      id: host.id,
      ip: host.address,
      status,
      exit_code: result?.exitCode ?? null,
      duration_seconds: roundSeconds(durationMs),
      output: out.text,
      stderr: err.text,
      error,
      failure,
    };
    const cut = (c: typeof out, file?: OutdirFile): CutOutput | undefined =>
      c.keptBytes === c.totalBytes
        ? undefined
        : {
            total_bytes: c.totalBytes,
            kept_bytes: c.keptBytes,
            sha256: c.digest,
            full_output: file?.path ?? null,
          };
    const cutOut = cut(out, files?.out);
    const cutErr = cut(err, files?.err);
    if (cutOut || cutErr)
      report.truncated = { ...(cutOut && { stdout: cutOut }), ...(cutErr && { stderr: cutErr }) };
    return report;
  };

  if (signal.aborted) return finish('interrupted', 'interrupted', 'not started: interrupted');

  bus.hostState(host.id, 'connecting');
  let conn;
  try {
    conn = await options.pool.connect(host, signal);
  } catch (err) {
    if (signal.aborted) return finish('interrupted', 'interrupted', 'interrupted while connecting');
    const error = toFleetError(err);
    const kind = connectFailureKind(error.code);
    return finish(
      kind === 'interrupted' ? 'interrupted' : 'failed',
      kind,
      oneLine(error.message, error.hint),
    );
  }

  bus.hostState(host.id, 'running');
  const out = new LineBuffer((line) =>
    bus.emit({ type: 'host:output', host: host.id, stream: 'stdout', line }),
  );
  const errOut = new LineBuffer((line) =>
    bus.emit({ type: 'host:output', host: host.id, stream: 'stderr', line }),
  );
  files = options.outdir && {
    out: options.outdir.open(host.id, 'out'),
    err: options.outdir.open(host.id, 'err'),
  };
  const flush = () => {
    out.flush();
    errOut.flush();
    files?.out.close();
    files?.err.close();
  };
  let result: ExecResult;
  try {
    result = await conn.exec(options.command, {
      timeoutMs: options.timeoutMs,
      signal,
      sudo: options.sudo,
      sudoPassword: options.sudoPassword,
      // Kept here, bounded (OutputCapture), instead of whole in the adapter's result.
      collect: false,
      onStdout: (chunk) => {
        stdout.push(chunk);
        files?.out.write(chunk);
        out.push(chunk);
      },
      onStderr: (chunk) => {
        stderr.push(chunk);
        files?.err.write(chunk);
        errOut.push(chunk);
      },
    });
  } catch (err) {
    flush();
    if (signal.aborted) return finish('interrupted', 'interrupted', 'interrupted');
    const error = toFleetError(err);
    // The channel broke after the command started: the command may or may not have run.
    const kind: FailureKind = failureKind(error.code) ?? 'connect';
    return finish('failed', kind, oneLine(error.message, error.hint));
  } finally {
    // exec runs one command per host: a CLI run closes the connection now rather than holding 200
    // open; a long-lived session (MCP, web view) keeps it, shared with its other operations.
    conn.release();
  }
  flush();

  if (result.aborted || (signal.aborted && result.exitCode !== 0)) {
    return finish('interrupted', 'interrupted', 'interrupted: remote command killed', result);
  }
  if (result.timedOut) {
    const seconds = (options.timeoutMs ?? 0) / 1000;
    return finish('failed', 'timeout', `command timed out after ${seconds}s; remote process killed`, result);
  }
  if (result.exitCode === 0) return finish('success', null, null, result);
  if (result.exitCode === null || result.signal) {
    return finish('failed', 'signal', `killed by signal ${result.signal ?? 'unknown'}`, result);
  }
  return finish('failed', 'exit', `exit code ${result.exitCode}`, result);
}

/**
 * Failures before the command started: the shared vocabulary (a connect timeout is code `connect`
 * already), anything else that kept the command from starting counts as `connect`.
 */
function connectFailureKind(code: string): FailureKind {
  const kind = failureKind(code);
  return kind === 'auth' || kind === 'hostkey' || kind === 'interrupted' ? kind : 'connect';
}

function oneLine(message: string, hint?: string): string {
  const text = hint ? `${message} (${hint})` : message;
  return text.replace(/\s*\n\s*/g, ' ');
}
