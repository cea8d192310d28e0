/**
 * `fleet backup schedule --every 6h [--keep N] | --list | --remove`: the `fleet backup` flags given
 * on this command line (the parent command parsed them) become the scheduled run's arguments; the
 * schedule's own flags do not. The work is src/ops/backup/schedule.ts.
 */
import { resolve } from 'node:path';
import { homedir, userInfo } from 'node:os';
import type { Command } from 'commander';
export { SCHEDULE_HELP } from './backup-schedule-help.js';

interface ScheduleCliOptions {
  every?: string;
  list?: boolean;
  remove?: boolean;
  name?: string;
  unitDir?: string;
  envFile?: string;
}

const SECRET_ENV = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'FLEET_SSH_PASSWORD',
  'FLEET_SUDO_PASSWORD',
];
/** backup flags that make no sense on a timer: the report path would be overwritten each run. */
const NOT_PASSED = new Set(['json', 'report']);

/** The backup flags given on the command line (or from FLEET_* env), as argv for the scheduled run. */
export function backupArgsFrom(parent: Command): string[] {
  const args: string[] = [];
  const opts = parent.opts<Record<string, unknown>>();
  for (const [key, value] of Object.entries(opts)) {
    const source = parent.getOptionValueSource(key);
    if ((source !== 'cli' && source !== 'env') || NOT_PASSED.has(key) || value === undefined) continue;
    const options = parent.options.filter((o) => o.attributeName() === key);
    const valued = options.find((o) => o.required || o.optional);
    let v = value;
    if (key === 'inventory' && typeof v === 'string') v = resolve(v);
    if (valued && v !== true && v !== false) {
      for (const one of Array.isArray(v) ? v : [v]) args.push(valued.long!, String(one));
    } else if (v === false) {
      const negate = options.find((o) => o.negate);
      if (negate) args.push(negate.long!);
    } else {
      const flag = options.find((o) => !o.negate);
      if (flag) args.push(flag.long!);
    }
  }
  return args;
}

/** How this very fleet was started: the single binary, or node + the entry script. */
function fleetCommand(): string[] {
  const script = process.argv[1];
  return script && /\.(c|m)?js$/.test(script) ? [process.execPath, resolve(script)] : [process.execPath];
}

export async function scheduleAction(cliOpts: ScheduleCliOptions, cmd: Command): Promise<number> {
  const [{ FleetError }, core, { run }, { runWithCli }, { renderSchedule }] = await Promise.all([
    import('../../core/errors.js'),
    import('../../core/backup-schedule.js'),
    import('../../ops/backup/schedule.js'),
    import('./run-command.js'),
    import('../../views/backup-schedule.js'),
  ]);
  const modes = [cliOpts.every !== undefined, Boolean(cliOpts.list), Boolean(cliOpts.remove)].filter(Boolean);
  if (modes.length !== 1) {
    throw new FleetError('usage', 'fleet backup schedule takes one of --every INTERVAL, --list, --remove', {
      hint: 'e.g. fleet backup schedule --every 6h --keep 28',
    });
  }
  const unitDir = resolve(cliOpts.unitDir ?? core.DEFAULT_UNIT_DIR);
  const unitName = core.unitBaseName(cliOpts.name);
  let input: Parameters<typeof run>[0];
  {
    if (cliOpts.list) input = { action: 'list' as const, unitDir };
    else if (cliOpts.remove) input = { action: 'remove' as const, unitDir, unitName };
    else {
      const environment: Record<string, string> = {};
      for (const k of core.PASSED_ENV) {
        const v = process.env[k];
        if (v) environment[k] = v;
      }
      input = {
        action: 'install' as const,
        unitDir,
        secrets: SECRET_ENV.map((k) => process.env[k]).filter((v): v is string => Boolean(v)),
        spec: {
          unitName,
          every: core.parseEvery(cliOpts.every!),
          fleetCommand: fleetCommand(),
          backupArgs: backupArgsFrom(cmd.parent!),
          workingDirectory: process.cwd(),
          user: userInfo().username,
          home: homedir(),
          envFile: resolve(cliOpts.envFile ?? core.DEFAULT_ENV_FILE),
          environment,
        },
      };
    }
  }
  const ssh = cmd.parent!.opts<import('./ssh-options.js').SshCliOptions>();
  // Nothing connects anywhere: the session gives the operation its bus (change lines) and Ctrl-C.
  const result = await runWithCli(ssh, [], { onInterrupt: 'stopping' }, (rt) => run(input, rt));
  process.stdout.write(renderSchedule(result));
  return 0;
}
