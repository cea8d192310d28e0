/**
 * The per-host list the bash module fleet replaces wrote, for reports whose own list is fleet's
 * `hosts` (up, plan, down, backup, restore). Scripts written for that module read every result file
 * as `.devices[] | select(.status != "success") | .ip` and `.success_rate`; fleet's `hosts` (status
 * `ok`, `unchanged`) would make them select every host. The exec report's own list already is
 * `devices` (core/report.ts). Pure: reports build it from their host entries.
 */

/** `success` for a host in the wanted state; fleet's other states pass through as they are. */
export type DeviceStatus = 'success' | 'failed' | 'interrupted' | 'skipped' | 'not-started';

export interface CompatDevice {
  id: string;
  ip: string;
  status: DeviceStatus;
  /** The user command's exit code (fleet rollout); null for reports that run none. */
  exit_code: number | null;
  duration_seconds: number;
  /** The user command's output (fleet rollout: its tail); empty for reports that run none. */
  output: string;
  error: string | null;
}

interface HostEntry {
  id: string;
  ip: string;
  status: string;
  duration_seconds: number;
  error: string | null;
}

/** Host statuses that mean "this host is as wanted": changed (`ok`) or already so (`unchanged`). */
const SUCCESS = new Set(['ok', 'unchanged', 'success']);
const PASSED_THROUGH = new Set<string>(['failed', 'interrupted', 'skipped', 'not-started']);

export function compatDevices(hosts: readonly HostEntry[]): CompatDevice[] {
  return hosts.map((h) => ({
    id: h.id,
    ip: h.ip,
    status: SUCCESS.has(h.status)
      ? 'success'
      : PASSED_THROUGH.has(h.status)
        ? (h.status as DeviceStatus)
        : 'failed',
    exit_code: null,
    duration_seconds: h.duration_seconds,
    output: '',
    error: h.error,
  }));
}

/** Percent (two decimals) of devices with status success; 0 for none. */
export function devicesSuccessRate(devices: readonly { status: string }[]): number {
  if (devices.length === 0) return 0;
  const ok = devices.filter((d) => d.status === 'success').length;
  return Math.round((ok / devices.length) * 10000) / 100;
}

/** The compat fields a report carries next to its own lists (devices, counts, success_rate). */
export interface CompatFields {
  total_devices: number;
  successful: number;
  failed: number;
  success_rate: number;
  devices: CompatDevice[];
}

export function compatFields(hosts: readonly HostEntry[]): CompatFields {
  const devices = compatDevices(hosts);
  const successful = devices.filter((d) => d.status === 'success').length;
  return {
    total_devices: devices.length,
    successful,
    failed: devices.filter((d) => d.status === 'failed').length,
    success_rate: devicesSuccessRate(devices),
    devices,
  };
}

/**
 * The one device of a swarm-wide operation (service, stack, node ls): the manager it went through,
 * `success` when the operation did what was asked.
 */
export function managerDevice(
  manager: { id: string; ip: string } | undefined,
  outcome: 'success' | 'failed' | 'interrupted',
  durationSeconds: number,
  error: string | null,
): HostEntry[] {
  if (!manager) return [];
  return [{ id: manager.id, ip: manager.ip, status: outcome, duration_seconds: durationSeconds, error }];
}
