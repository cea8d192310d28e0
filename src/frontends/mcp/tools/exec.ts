/**
 * fleet_node_exec (needs --allow-write and --allow-exec): one shell command on hosts of nodes.yml,
 * through the same operation as `fleet exec`. With --exec-allow patterns only a command matching one
 * runs, matched on the parsed command (core/exec-allow.ts: `;`, `&&`, `|`, `$(…)`, backquotes,
 * redirections and newlines never match a pattern that does not spell them). Always a timeout
 * (default 60 s) that kills the remote process. Each host's stdout and stderr come back cut to
 * AGENT_OUTPUT_LIMIT bytes; every byte is in the run's folder next to its JSON report.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { REPORTS_DIR } from '../../../adapters/report-files.js';
import { checkAllowList } from '../../../core/exec-allow.js';
import { FleetError } from '../../../core/errors.js';
import { defineTool, type ToolDef } from '../context.js';
import { AGENT_OUTPUT_LIMIT, cutForAgent } from '../truncate.js';
import { hostsArg, rows, timeoutArg } from './schemas.js';

export const EXEC_DEFAULT_TIMEOUT_S = 60;

function runFolder(): string {
  const stamp = new Date().toISOString().replace(/:/g, '-');
  return join(REPORTS_DIR, `mcp-exec-${stamp}-${process.pid}-${Math.random().toString(16).slice(2, 6)}`);
}

const nodeExec = defineTool({
  name: 'fleet_node_exec',
  title: 'Run a command on hosts',
  description: `Runs one shell command on hosts of nodes.yml at once (like fleet exec) and returns each host's exit code and output. Output is cut to ${AGENT_OUTPUT_LIMIT / 1024} KiB per host and stream (first and last halves) with a note naming the file that holds all of it. Killed at the timeout.`,
  access: 'exec',
  input: {
    command: z.string().min(1).describe('the command, as sh would read it'),
    hosts: hostsArg,
    timeout_seconds: timeoutArg('kill the command after', EXEC_DEFAULT_TIMEOUT_S),
  },
  output: {
    command: z.string(),
    total_devices: z.number(),
    successful: z.number(),
    failed: z.number(),
    duration_seconds: z.number(),
    hosts: rows,
    output_folder: z.string(),
    note: z.string().optional(),
  },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
  async run(args, call) {
    const decision = checkAllowList(args.command, call.config.execAllow);
    if (!decision.allowed) {
      throw new FleetError('usage', `command refused: ${decision.reason}`, {
        hint: 'only commands matching the --exec-allow patterns fleet mcp was started with run',
      });
    }
    const hosts = await call.hosts(args.hosts);
    call.touched(hosts.map((h) => h.id));
    const [{ run }, { Outdir }] = await Promise.all([
      import('../../../ops/exec/run.js'),
      import('../../../ops/exec/outdir.js'),
    ]);
    const folder = runFolder();
    const outdir = new Outdir(folder);
    outdir.prepare();
    const out = await run(
      {
        command: args.command,
        hosts,
        concurrency: call.config.concurrency,
        timeoutMs: (args.timeout_seconds ?? EXEC_DEFAULT_TIMEOUT_S) * 1000,
        sudo: call.config.sudo,
        outdir,
        reportPath: join(folder, 'report.json'),
      },
      call.rt,
    );
    const r = out.result;
    const cutFiles: string[] = [];
    const perHost = r.devices.map((h) => {
      const stdout = cutForAgent(h.output, AGENT_OUTPUT_LIMIT, h.truncated?.stdout?.total_bytes);
      const stderr = cutForAgent(h.stderr, AGENT_OUTPUT_LIMIT, h.truncated?.stderr?.total_bytes);
      const files = { stdout: join(folder, `${h.id}.out`), stderr: join(folder, `${h.id}.err`) };
      const truncated = {
        ...(stdout.truncated
          ? {
              stdout: {
                total_bytes: stdout.totalBytes,
                shown_bytes: stdout.shownBytes,
                full_output: files.stdout,
              },
            }
          : {}),
        ...(stderr.truncated
          ? {
              stderr: {
                total_bytes: stderr.totalBytes,
                shown_bytes: stderr.shownBytes,
                full_output: files.stderr,
              },
            }
          : {}),
      };
      if (stdout.truncated) cutFiles.push(files.stdout);
      if (stderr.truncated) cutFiles.push(files.stderr);
      return {
        id: h.id,
        status: h.status,
        exit_code: h.exit_code,
        duration_seconds: h.duration_seconds,
        stdout: stdout.text,
        stderr: stderr.text,
        error: h.error,
        failure: h.failure,
        ...(Object.keys(truncated).length > 0 ? { truncated } : {}),
      };
    });
    const more = cutFiles.length > 3 ? ` and ${cutFiles.length - 3} more in ${folder}` : '';
    const note =
      cutFiles.length > 0
        ? `output cut to ${AGENT_OUTPUT_LIMIT} bytes per host and stream (first and last halves); every byte is in ${cutFiles.slice(0, 3).join(', ')}${more}; the run's report is ${out.reportPath}`
        : undefined;
    const failed = r.failed > 0 || r.interrupted > 0;
    return {
      result: {
        command: r.command,
        total_devices: r.total_devices,
        successful: r.successful,
        failed: r.failed,
        duration_seconds: r.duration_seconds,
        hosts: perHost,
        output_folder: folder,
        ...(note ? { note } : {}),
      },
      report: out.reportPath,
      error: failed
        ? new FleetError(
            'partial',
            `the command failed on ${r.failed + r.interrupted} of ${r.total_devices} hosts`,
          )
        : undefined,
    };
  },
});

export const EXEC_TOOLS: ToolDef[] = [nodeExec];
