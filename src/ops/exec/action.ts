/**
 * The `fleet exec` action: resolve targets, connect, run, show, report, pick the exit code.
 * Imported lazily by src/cli/commands/exec.ts.
 */
import type { ExecCliOptions } from '../../frontends/cli/commands/exec.js';
import type { Command } from 'commander';
import { openRunSession } from '../../runtime/session.js';
import { applyIdentityFiles, applyInventoryDefaults } from '../../frontends/cli/ssh-options.js';
import { resolveTargets } from '../../frontends/cli/target-options.js';
import { FleetError } from '../../core/errors.js';
import { foldHosts } from '../../core/host-range.js';
import { groupOutputs } from '../../core/output-groups.js';
import { buildExecReport, execExitCode, withoutOutput, type ExecReport } from '../../core/report.js';
import { serializeReport, writeRunReport } from '../../adapters/report-files.js';
import { Outdir } from './outdir.js';
import { readRerunTargets } from './rerun.js';
import { runExec } from './run.js';

export async function execAction(
  words: string[],
  cliOpts: ExecCliOptions,
  cmd: Pick<Command, 'getOptionValueSource'>,
): Promise<number> {
  const rerun = cliOpts.rerunFailed ? await readRerunTargets(cliOpts.rerunFailed) : undefined;
  const command = words.join(' ').trim() || rerun?.command || '';
  if (!command) {
    throw new FleetError('usage', 'no command given', { hint: 'fleet exec -n HOSTS -- COMMAND' });
  }
  if (rerun && rerun.ids.length === 0) {
    process.stderr.write(`fleet: no failed hosts in ${rerun.path}; nothing to rerun\n`);
    return 0;
  }
  const resolved = await resolveTargets(cliOpts, rerun?.ids);
  const opts = applyInventoryDefaults(cliOpts, cmd, resolved.inventory?.defaults);
  const targets = applyIdentityFiles(resolved.hosts, opts);
  if (targets.length === 0)
    throw new FleetError('usage', 'no hosts selected', { hint: 'use -n HOSTS or --all' });

  const outdir = opts.outdir === undefined ? undefined : new Outdir(opts.outdir);
  outdir?.prepare();

  const session = await openRunSession(opts, targets, {
    json: opts.json,
    streamOutput: !opts.group,
    warnings: resolved.warnings,
    onInterrupt: 'stopping remote commands and writing the report',
  });
  const { bus, signal } = session;

  const startedAt = new Date();
  let report: ExecReport;
  try {
    let hosts;
    try {
      hosts = await runExec({
        command,
        hosts: targets,
        pool: await session.pool(),
        bus,
        concurrency: opts.concurrency,
        timeoutMs: opts.timeout === undefined ? undefined : Math.round(opts.timeout * 1000),
        sudo: opts.sudo,
        sudoPassword: session.sudoPassword,
        signal,
        maxOutput: opts.maxOutput,
        outdir,
      });
    } finally {
      await session.closePool();
    }
    report = buildExecReport({
      command,
      startedAt,
      durationMs: Date.now() - startedAt.getTime(),
      interrupted: signal.aborted,
      maxOutputBytes: opts.maxOutput,
      hosts,
    });
    outdir?.check();
    if (opts.group) {
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
    const full = report;
    const path = await writeRunReport('exec', report, startedAt, opts.report, (at) =>
      withoutOutput(full, at),
    );
    bus.log('info', `report: ${path}`);
    bus.emit({
      type: 'run:done',
      ok: report.successful === report.total_devices,
      durationMs: report.duration_seconds * 1000,
      interrupted: report.was_interrupted,
    });
  } finally {
    await session.close();
  }
  if (opts.json) process.stdout.write(serializeReport(report));
  return execExitCode(report);
}
