/**
 * `fleet backup schedule`, the pure parts: `--every` as a systemd timer, the service and timer unit
 * texts, quoting for ExecStart, the check that no secret reaches a unit file, and reading installed
 * units back for `--list`. The service runs the same `fleet backup` command line the user gave
 * (minus the schedule's own flags); S3 keys come from an EnvironmentFile the user owns, never from
 * the unit.
 */
import { FleetError } from './errors.js';
import { redact } from './redact.js';

export const DEFAULT_UNIT_DIR = '/etc/systemd/system';
export const DEFAULT_ENV_FILE = '/etc/fleet/backup.env';

/** Non-secret variables copied into the unit when set (where the target and inventory come from). */
export const PASSED_ENV = [
  'FLEET_INVENTORY',
  'FLEET_BACKUP_TO',
  'FLEET_S3_ENDPOINT',
  'FLEET_S3_FORCE_PATH_STYLE',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
] as const;

export interface Every {
  seconds: number;
  /** As the user wrote it, normalised: 30m, 6h, 1d. */
  text: string;
}

export function parseEvery(value: string): Every {
  const m = /^(\d+)\s*(m|min|h|d)$/.exec(value.trim());
  const n = m ? Number(m[1]) : 0;
  if (!m || n < 1) {
    throw new FleetError('usage', `--every "${value}" must be a number with m, h or d (e.g. 30m, 6h, 1d)`);
  }
  const unit = m[2] === 'min' ? 'm' : m[2]!;
  const seconds = n * (unit === 'm' ? 60 : unit === 'h' ? 3600 : 86400);
  if (seconds < 15 * 60) throw new FleetError('usage', `--every ${value} is too often: 15m at least`);
  return { seconds, text: `${n}${unit}` };
}

/**
 * Wall-clock times when the interval divides the hour or the day (so 6h runs at 00, 06, 12, 18 and a
 * missed run is caught up after a power cut: Persistent=true); otherwise every N after the last run.
 */
export function timerSchedule(every: Every): string[] {
  const minutes = every.seconds / 60;
  const hours = minutes / 60;
  if (minutes < 60 && 60 % minutes === 0) return [`OnCalendar=*-*-* *:00/${minutes}:00`, 'Persistent=true'];
  if (Number.isInteger(hours) && hours < 24 && 24 % hours === 0)
    return [`OnCalendar=*-*-* 00/${hours}:00:00`, 'Persistent=true'];
  if (hours === 24) return ['OnCalendar=*-*-* 00:00:00', 'Persistent=true'];
  return [`OnBootSec=15min`, `OnUnitActiveSec=${every.text.replace(/m$/, 'min')}`];
}

/** One ExecStart word: bare when plain, else double-quoted; `%` and `$` escaped for systemd. */
export function execArg(arg: string): string {
  if (/[\n\r]/.test(arg))
    throw new FleetError('usage', `a backup argument contains a line break: ${JSON.stringify(arg)}`);
  const escaped = arg.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export interface ScheduleSpec {
  /** Unit base name: fleet-backup or fleet-backup-<name>. */
  unitName: string;
  every: Every;
  /** fleet itself: [binary] or [node, script]. */
  fleetCommand: string[];
  /** The `fleet backup …` arguments after `backup`. */
  backupArgs: string[];
  workingDirectory: string;
  user: string;
  home: string;
  envFile: string;
  /** Non-secret variables (PASSED_ENV) to set in the unit. */
  environment: Record<string, string>;
}

export function unitBaseName(name: string | undefined): string {
  if (name === undefined) return 'fleet-backup';
  if (!/^[a-z0-9][a-z0-9-]{0,40}$/.test(name))
    throw new FleetError('usage', `--name "${name}" must be lowercase letters, digits and dashes`);
  return `fleet-backup-${name}`;
}

export function serviceUnit(s: ScheduleSpec): string {
  const exec = [...s.fleetCommand, 'backup', ...s.backupArgs].map(execArg).join(' ');
  const env = Object.entries(s.environment).map(([k, v]) => `Environment=${execArg(`${k}=${v}`)}`);
  return [
    `# Written by \`fleet backup schedule\`; remove with \`fleet backup schedule --remove\`.`,
    `# S3 keys (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) go in ${s.envFile} (yours, mode 0600), never here.`,
    '[Unit]',
    `Description=fleet backup every ${s.every.text}`,
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=oneshot',
    `User=${s.user}`,
    `WorkingDirectory=${execArg(s.workingDirectory)}`,
    `Environment=${execArg(`HOME=${s.home}`)}`,
    ...env,
    `EnvironmentFile=-${s.envFile}`,
    `ExecStart=${exec}`,
    '',
  ].join('\n');
}

export function timerUnit(s: Pick<ScheduleSpec, 'unitName' | 'every'>): string {
  return [
    `# Written by \`fleet backup schedule\`; remove with \`fleet backup schedule --remove\`.`,
    '[Unit]',
    `Description=fleet backup every ${s.every.text} (runs ${s.unitName}.service)`,
    '',
    '[Timer]',
    ...timerSchedule(s.every),
    `Unit=${s.unitName}.service`,
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
}

/** Refuses unit text holding a secret fleet knows (registered, or given) or a swarm token's shape. */
export function assertNoSecret(text: string, secrets: string[], file: string): void {
  const leaked = secrets.filter((v) => v.length >= 4 && text.includes(v)).length > 0 || redact(text) !== text;
  if (leaked) {
    throw new FleetError('usage', `${file} would contain a secret; nothing was written`, {
      hint: 'pass credentials through the environment file (EnvironmentFile), not as flags or FLEET_* values',
    });
  }
}

/** What `--list` shows for one installed schedule, read back from its unit files. */
export interface ScheduleEntry {
  unitName: string;
  schedule: string;
  command: string;
  enabled: boolean;
}

export function readSchedule(
  unitName: string,
  timer: string,
  service: string,
  enabled: boolean,
): ScheduleEntry {
  const pick = (text: string, key: string): string[] =>
    text
      .split('\n')
      .filter((l) => l.startsWith(`${key}=`))
      .map((l) => l.slice(key.length + 1));
  const schedule = [...pick(timer, 'OnCalendar'), ...pick(timer, 'OnUnitActiveSec').map((v) => `every ${v}`)];
  return { unitName, schedule: schedule.join(', '), command: pick(service, 'ExecStart')[0] ?? '', enabled };
}
