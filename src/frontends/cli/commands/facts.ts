/**
 * `fleet facts [hosts…] [--json]`: run remote/facts.sh on each host (script on stdin of `sh -s`, never
 * on the command line) and print a table or the parsed objects. `gatherFacts` is shared with
 * `fleet score`. The SSH pool is imported inside the action so `fleet --help` stays fast.
 */
import { Option, type Command } from 'commander';
import { FleetError, toFleetError } from '../../../core/errors.js';
import { estimateClockSkewSeconds, formatBytes, parseFacts, type Facts } from '../../../core/facts.js';
import type { HostTarget } from '../../../core/host.js';
import {
  addSshOptions,
  applyIdentityFiles,
  applyInventoryDefaults,
  parseCount,
  sshSettingsFromOptions,
  sudoPasswordFromOptions,
  SSH_OPTIONS_HELP,
  type SshCliOptions,
} from '../ssh-options.js';
import {
  addTargetOptions,
  resolveTargets,
  TARGET_OPTIONS_HELP,
  type ResolvedTargets,
  type TargetCliOptions,
} from '../target-options.js';

export interface FactsCliOptions extends SshCliOptions, TargetCliOptions {
  concurrency: number;
  json?: boolean;
}

export interface HostFactsResult {
  id: string;
  facts?: Facts;
  /** Remote clock minus local clock, seconds (see estimateClockSkewSeconds). */
  clockSkewSeconds?: number;
  error?: FleetError;
}

/** Adds the flags `facts` and `score` share; positional host words act like -n. */
export function addFactsOptions(cmd: Command): Command {
  addTargetOptions(cmd);
  addSshOptions(cmd);
  return cmd
    .addOption(
      new Option('-c, --concurrency <n>', 'hosts probed at once')
        .env('FLEET_MAX_JOBS')
        .argParser(parseCount('--concurrency', { min: 1 }))
        .default(32),
    )
    .option('--json', 'print JSON instead of a table');
}

export async function resolveFactTargets(
  words: string[],
  cliOpts: FactsCliOptions,
  cmd: Pick<Command, 'getOptionValueSource'>,
): Promise<{ targets: HostTarget[]; opts: FactsCliOptions; resolved: ResolvedTargets }> {
  const withWords = words.length > 0 ? { ...cliOpts, nodes: [...(cliOpts.nodes ?? []), ...words] } : cliOpts;
  const resolved = await resolveTargets(withWords, undefined, { defaultToAll: true });
  const opts = applyInventoryDefaults(withWords, cmd, resolved.inventory?.defaults);
  const targets = applyIdentityFiles(resolved.hosts, opts);
  if (targets.length === 0)
    throw new FleetError('usage', 'no hosts selected', { hint: 'name hosts, use -n HOSTS or --all' });
  return { targets, opts, resolved };
}

/** Connects to every target and reads its facts; one host's failure never stops the others. */
export async function gatherFacts(targets: HostTarget[], opts: FactsCliOptions): Promise<HostFactsResult[]> {
  const [{ createSshPool }, { EventBus }, { loadRemoteScript }, { default: pLimit }] = await Promise.all([
    import('../../../adapters/ssh/pool.js'),
    import('../../../runtime/events.js'),
    import('../../../adapters/remote-scripts.js'),
    import('p-limit'),
  ]);
  const script = await loadRemoteScript('facts.sh');
  const bus = new EventBus();
  bus.subscribe((e) => {
    if (e.type === 'log' && e.level === 'warn')
      process.stderr.write(`fleet: ${e.host ? `${e.host}: ` : ''}${e.message}\n`);
  });
  const settings = await sshSettingsFromOptions(opts);
  settings.warn = (message, host) => bus.log('warn', message, host);
  // --sudo: the probe runs as root, so a login user outside the docker group still sees the engine.
  const sudoPassword = await sudoPasswordFromOptions(opts, targets);
  const pool = createSshPool(settings, bus);
  const limit = pLimit(opts.concurrency);
  try {
    return await Promise.all(
      targets.map((target) =>
        limit(async (): Promise<HostFactsResult> => {
          try {
            const conn = await pool.connect(target);
            const start = Date.now();
            const res = await conn.exec('sh -s', {
              stdin: script,
              timeoutMs: 30_000,
              sudo: opts.sudo,
              sudoPassword,
            });
            const end = Date.now();
            if (res.exitCode !== 0) {
              const why = res.stderr.toString('utf8').trim().split('\n').pop() ?? '';
              throw new FleetError(
                res.timedOut ? 'timeout' : 'remote-exit',
                `facts.sh ${res.timedOut ? 'timed out' : `exited ${res.exitCode ?? res.signal ?? 'without a code'}`}${why ? `: ${why}` : ''}`,
                { host: target.id },
              );
            }
            const facts = parseFacts(res.stdout.toString('utf8'), { host: target.id });
            const { skew, uncertainty } = estimateClockSkewSeconds(facts, start, end);
            return { id: target.id, facts, clockSkewSeconds: Math.abs(skew) > uncertainty ? skew : 0 };
          } catch (err) {
            const error = toFleetError(err);
            return {
              id: target.id,
              error: error.host
                ? error
                : new FleetError(error.code, error.message, {
                    host: target.id,
                    hint: error.hint,
                    cause: err,
                  }),
            };
          }
        }),
      ),
    );
  } finally {
    await pool.closeAll().catch(() => undefined);
  }
}

/** Prints failures on stderr; returns the exit code (0, or the first failure's). */
export function reportFailures(results: HostFactsResult[]): number {
  let code = 0;
  for (const r of results) {
    if (!r.error) continue;
    process.stderr.write(`fleet: ${r.id}: ${r.error.message}${r.error.hint ? ` (${r.error.hint})` : ''}\n`);
    if (code === 0) code = r.error.exitCode;
  }
  return code;
}

/** Fixed-width columns; the last column is not padded. */
export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

function swarmText(f: Facts): string {
  if (f.docker.status !== 'ok') return '-';
  const s = f.docker.swarm;
  if (s.state !== 'active') return s.state;
  return `${s.role ?? 'member'} ${s.clusterId ? s.clusterId.slice(0, 8) : ''}`.trim();
}

export function factsTable(results: HostFactsResult[]): string {
  const rows = results
    .filter((r) => r.facts)
    .map((r) => {
      const f = r.facts as Facts;
      return [
        r.id,
        f.deviceType,
        f.arch,
        `${f.os.name}`,
        `${f.cpu.cores}x ${f.cpu.model}`,
        formatBytes(f.memoryBytes),
        `${f.disk.kind} ${formatBytes(f.disk.sizeBytes)}`,
        f.gpus.map((g) => g.name).join(', ') || '-',
        f.docker.status === 'ok' ? f.docker.version : f.docker.status,
        swarmText(f),
        f.link.wireless ? 'wifi' : f.link.speedMbps !== null ? `${f.link.speedMbps}M` : '-',
      ];
    });
  return renderTable(
    ['HOST', 'TYPE', 'ARCH', 'OS', 'CPU', 'RAM', 'DISK', 'GPU', 'DOCKER', 'SWARM', 'LINK'],
    rows,
  );
}

/** JSON form: the parsed facts per host (without the raw key map), or the error. */
export function factsJson(results: HostFactsResult[]): string {
  const out = results.map((r) =>
    r.facts
      ? { id: r.id, ok: true, clockSkewSeconds: r.clockSkewSeconds, facts: { ...r.facts, raw: undefined } }
      : { id: r.id, ok: false, error: { code: r.error?.code, message: r.error?.message } },
  );
  return JSON.stringify(out, null, 2) + '\n';
}

export function register(program: Command): void {
  const cmd = program
    .command('facts')
    .description('show what each host is: hardware, OS, disk, GPUs, Docker and swarm state')
    .argument('[hosts...]', 'hosts (same syntax as -n); default: every node in nodes.yml');
  addFactsOptions(cmd)
    .addHelpText(
      'after',
      `\nThe probe is remote/facts.sh (POSIX sh, sent on stdin; nothing is installed on the host).\nExit codes: 0 all hosts answered; 3 some host could not be reached; 1 the probe failed on some host.\n${TARGET_OPTIONS_HELP}\n${SSH_OPTIONS_HELP}`,
    )
    .action(async (words: string[], cliOpts: FactsCliOptions, command: Command) => {
      const { targets, opts } = await resolveFactTargets(words, cliOpts, command);
      const results = await gatherFacts(targets, opts);
      process.stdout.write(opts.json ? factsJson(results) : factsTable(results));
      process.exitCode = reportFailures(results);
    });
}
