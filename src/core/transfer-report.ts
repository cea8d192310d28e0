/**
 * The JSON report of `fleet push` and `fleet pull` (snake_case like exec's) and their exit codes.
 * Pure: the operations fill in the per-host rows.
 */
import type { FailureKind } from './host.js';
import { compatDevices, type CompatDevice } from './report-devices.js';
import { roundSeconds, successRate, type HostStatus } from './report.js';

/** A host's failure: the shared kinds, plus a sha256 that did not match (integrity). */
export type TransferFailure = FailureKind | 'integrity';

export interface TransferHostReport {
  id: string;
  ip: string;
  status: HostStatus;
  files_sent: number;
  files_skipped: number;
  bytes_sent: number;
  /** Files whose sha256 was checked after writing (push: on the host; pull: here). */
  sha256_verified: number;
  duration_seconds: number;
  error: string | null;
  failure: TransferFailure | null;
  /** pull: where this host's files went (LOCALDIR/<host>). */
  local_dir?: string;
}

export interface TransferReport {
  command: 'push' | 'pull';
  sources: string[];
  destination: string;
  timestamp: string;
  total_devices: number;
  successful: number;
  failed: number;
  interrupted: number;
  success_rate: number;
  duration_seconds: number;
  was_interrupted: boolean;
  /** push: files and bytes in the plan (per host); pull: summed over hosts. */
  files: number;
  bytes: number;
  hosts: TransferHostReport[];
  /** The per-host list in the shape the bash module's readers expect (core/report-devices.ts). */
  devices: CompatDevice[];
}

export function buildTransferReport(input: {
  command: 'push' | 'pull';
  sources: string[];
  destination: string;
  startedAt: Date;
  durationMs: number;
  interrupted: boolean;
  files: number;
  bytes: number;
  hosts: TransferHostReport[];
}): TransferReport {
  const count = (status: HostStatus) => input.hosts.filter((h) => h.status === status).length;
  const successful = count('success');
  return {
    command: input.command,
    sources: input.sources,
    destination: input.destination,
    timestamp: input.startedAt.toISOString(),
    total_devices: input.hosts.length,
    successful,
    failed: count('failed'),
    interrupted: count('interrupted'),
    success_rate: successRate(successful, input.hosts.length),
    duration_seconds: roundSeconds(input.durationMs),
    was_interrupted: input.interrupted || input.hosts.some((h) => h.status === 'interrupted'),
    files: input.files,
    bytes: input.bytes,
    hosts: input.hosts,
    devices: compatDevices(input.hosts),
  };
}

const UNREACHABLE: ReadonlySet<TransferFailure> = new Set(['connect', 'auth', 'hostkey', 'timeout']);

/**
 * 130 interrupted; 3 when a host was unreachable (wins); 8 when a sha256 did not match; 1 when a
 * remote step failed otherwise (no space, permission denied); 0 when every host has every file.
 */
export function transferExitCode(report: Pick<TransferReport, 'hosts' | 'was_interrupted'>): number {
  if (report.was_interrupted) return 130;
  let code = 0;
  for (const host of report.hosts) {
    if (host.status !== 'failed') continue;
    if (host.failure && UNREACHABLE.has(host.failure)) return 3;
    code = host.failure === 'integrity' || code === 8 ? 8 : 1;
  }
  return code;
}
