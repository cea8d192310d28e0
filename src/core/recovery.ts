/**
 * Boot recovery (`fleet recovery install|status|remove`), the pure parts: the systemd unit and the
 * config file fleet installs on each node, the paths they go to, and the reading of what
 * remote/recovery-status.sh prints. The script itself is remote/recovery-boot.sh (POSIX sh).
 *
 * Nothing here ever carries a join token: the config names the managers' addresses and the mounts
 * to wait for, nothing else. A node that left the swarm is reported, and `fleet up` re-joins it.
 */
import { createHash } from 'node:crypto';
import { FleetError } from './errors.js';

export const RECOVERY_UNIT = 'fleet-recovery.service';
export const RECOVERY_PATHS = {
  unit: `/etc/systemd/system/${RECOVERY_UNIT}`,
  script: '/usr/local/lib/fleet/recovery-boot.sh',
  config: '/etc/fleet/recovery.conf',
} as const;

export interface RecoveryConfig {
  /** Addresses of the swarm's managers (this node's own left out): reachable on 2377 = network is up. */
  managers: string[];
  /** Absolute paths that must be mounted before Docker is checked (an NFS model share…). */
  waitMounts: string[];
  /** How long the boot script waits for mounts and a manager before it goes on anyway. */
  waitSeconds: number;
  /** How long the swarm state may stay pending/error before Docker is restarted (once). */
  settleSeconds: number;
  /** Longest pause between two tries (the back-off doubles from 1 s up to this). */
  backoffMaxSeconds: number;
}

export const DEFAULT_RECOVERY: Omit<RecoveryConfig, 'managers' | 'waitMounts'> = {
  waitSeconds: 900,
  settleSeconds: 60,
  backoffMaxSeconds: 30,
};

const SAFE_PATH = /^\/[A-Za-z0-9._/@+-]*$/;
const SAFE_ADDRESS = /^[A-Za-z0-9.:_-]+$/;

/** --wait-mount paths: absolute, no characters a shell or a unit file would read differently. */
export function checkWaitMount(path: string): string {
  if (!SAFE_PATH.test(path) || path.split('/').includes('..')) {
    throw new FleetError(
      'usage',
      `--wait-mount "${path}" must be an absolute path of letters, digits and ._/@+-`,
      {
        hint: 'e.g. --wait-mount /mnt/spark-models',
      },
    );
  }
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

/** `systemd-escape --path --suffix=mount`: /mnt/spark-models → mnt-spark\x2dmodels.mount. */
export function mountUnitName(path: string): string {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '-.mount';
  const escaped = trimmed
    .split('/')
    .filter(Boolean)
    .map((part) =>
      [...part]
        .map((ch, i) =>
          /[A-Za-z0-9:_]/.test(ch) || (ch === '.' && i > 0)
            ? ch
            : `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`,
        )
        .join(''),
    )
    .join('-');
  return `${escaped}.mount`;
}

/** The unit: a oneshot after the network is online, Docker and the listed mounts. */
export function recoveryUnit(config: Pick<RecoveryConfig, 'waitMounts'>): string {
  const mounts = config.waitMounts.map(mountUnitName);
  const after = ['network-online.target', 'docker.service', ...mounts].join(' ');
  return [
    '# Installed by `fleet recovery install`; remove with `fleet recovery remove`.',
    '# Brings this node back into its swarm after a boot. It holds no join token: a node that left',
    '# the swarm is only reported (fleet recovery status), and `fleet up` re-joins it.',
    '[Unit]',
    'Description=fleet boot recovery (wait for the network and a swarm manager, then check Docker)',
    'Wants=network-online.target',
    `After=${after}`,
    '',
    '[Service]',
    'Type=oneshot',
    `ExecStart=/bin/sh ${RECOVERY_PATHS.script}`,
    // Waiting for a manager may take the whole wait; systemd must not kill it before.
    'TimeoutStartSec=infinity',
    'StandardOutput=journal',
    'StandardError=journal',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** /etc/fleet/recovery.conf: sourced by the boot script, so every value is plain and quoted. */
export function recoveryConfigFile(config: RecoveryConfig): string {
  for (const m of config.managers) {
    if (!SAFE_ADDRESS.test(m)) throw new FleetError('usage', `manager address "${m}" is not a plain address`);
  }
  config.waitMounts.forEach(checkWaitMount);
  return [
    '# fleet boot recovery settings (written by `fleet recovery install`; no secrets here).',
    `FLEET_MANAGERS="${config.managers.join(' ')}"`,
    `FLEET_WAIT_MOUNTS="${config.waitMounts.join(' ')}"`,
    `FLEET_WAIT_SECONDS=${Math.round(config.waitSeconds)}`,
    `FLEET_SETTLE_SECONDS=${Math.round(config.settleSeconds)}`,
    `FLEET_BACKOFF_MAX=${Math.round(config.backoffMaxSeconds)}`,
    '',
  ].join('\n');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** What remote/recovery-status.sh found on one node. */
export interface RecoveryStatus {
  installed: boolean;
  /** systemctl is-enabled's word: enabled, disabled, not-found… */
  enabled: string;
  /** The installed files match what this fleet would install. */
  current: boolean;
  /** Docker's LocalNodeState now (inactive = not in a swarm: it left, or never joined). */
  swarmState: string;
  /** The unit's journal lines of the current boot (on the lab, the stand-in's log). */
  lastBoot: string[];
  /** The script's own summary line of that boot ("result: …"), when it got that far. */
  result: string | null;
}

/**
 * remote/recovery-status.sh prints `key value` lines, then `--journal--` and the journal lines.
 * `expected` are the sha256 sums of the unit, script and config fleet would install now.
 */
export function parseRecoveryStatus(
  text: string,
  expected: { unit: string; script: string },
): RecoveryStatus {
  const [head = '', journal = ''] = text.split(/^--journal--$/m);
  const kv = new Map<string, string>();
  for (const line of head.split('\n')) {
    const m = /^([a-z-]+) ?(.*)$/.exec(line.trim());
    if (m) kv.set(m[1]!, m[2]!.trim());
  }
  const lastBoot = journal
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '' && !/^-- (No entries|Journal begins|Logs begin) /.test(l));
  const results = lastBoot.filter((l) => /\bresult: /.test(l));
  const installed = kv.get('unit-sha') !== undefined && kv.get('unit-sha') !== '-';
  return {
    installed,
    enabled: kv.get('enabled') || 'not-found',
    current: installed && kv.get('unit-sha') === expected.unit && kv.get('script-sha') === expected.script,
    swarmState: kv.get('swarm') || 'unknown',
    lastBoot,
    result: results.length ? results[results.length - 1]!.replace(/^.*\bresult: /, '') : null,
  };
}

/** One-word verdict for a node's row: what needs attention first. */
export function recoveryVerdict(s: RecoveryStatus): string {
  if (!s.installed) return 'not installed';
  if (s.enabled !== 'enabled') return `installed, ${s.enabled}`;
  if (s.swarmState === 'inactive') return 'left the swarm (fleet up re-joins it)';
  if (!s.current) return 'outdated (run fleet recovery install again)';
  return 'ok';
}
