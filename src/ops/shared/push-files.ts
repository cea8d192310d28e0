/**
 * The push machinery on one connected host: ask what it has (remote/push-probe.sh), send what is
 * missing or different as a tar stream into remote/push-receive.sh, which checks every sha256 before
 * renaming anything into place. `fleet push` (ops/push/host.ts) and `fleet recovery install` (files
 * fleet generates: PlannedEntry.content) both send through it. Throws a FleetError on failure.
 */
import { randomBytes } from 'node:crypto';
import type { SshConnection } from '../../adapters/ssh/types.js';
import { FleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import { parseRemoteState, planHost, type PushPlan } from '../../core/transfer-plan.js';
import type { EventBus } from '../../runtime/events.js';
import { NO_COUNTS, progressReporter, runRemoteScript, stepFailed, type HostCounts } from './transfer.js';
import { manifest, receiveInput } from './push-tar-stream.js';

export interface SendPlanOptions {
  bus: EventBus;
  signal: AbortSignal;
  force: boolean;
  mkdir: boolean;
  mode?: number;
  owner?: string;
  sudo: boolean;
  sudoPassword?: string;
}

export interface SendPlanResult {
  counts: HostCounts;
  interrupted: boolean;
}

export async function sendPlan(
  host: HostTarget,
  conn: SshConnection,
  plan: PushPlan,
  o: SendPlanOptions,
): Promise<SendPlanResult> {
  let counts: HostCounts = NO_COUNTS;
  const sudo = { sudo: o.sudo, sudoPassword: o.sudoPassword, signal: o.signal };
  o.bus.hostState(host.id, 'running', 'comparing sha256');
  const paths = plan.entries.map((e) => e.remote).join('\n');
  const probe = await runRemoteScript(conn, 'push-probe.sh', [plan.parent, o.force ? '0' : '1'], {
    ...sudo,
    stdin: `${paths}\n`,
    timeoutMs: 600_000,
  });
  if (probe.aborted) return { counts, interrupted: true };
  if (probe.exitCode !== 0) throw stepFailed(host, 'reading the destination', probe);
  const probeText = probe.stdout.toString('utf8');
  if (!o.mkdir && probeText.split('\n').includes('missing-parent')) {
    throw new FleetError('remote-exit', `${plan.parent} does not exist on ${host.id}`, {
      host: host.id,
      hint: 'create it, or pass --mkdir',
    });
  }
  const hostPlan = planHost(plan, parseRemoteState(probeText), o.force);
  counts = { ...NO_COUNTS, files_skipped: plan.files - hostPlan.files };
  if (hostPlan.send.length === 0) {
    o.bus.emit({ type: 'host:progress', host: host.id, done: 0, total: 0, unit: 'bytes' });
    return { counts, interrupted: false };
  }
  o.bus.hostState(host.id, 'running', `sending ${hostPlan.files} files`);
  const nonce = randomBytes(6).toString('hex');
  const progress = progressReporter(o.bus, host.id, hostPlan.bytes);
  progress(0);
  let sent = 0;
  const input = receiveInput(hostPlan.send, nonce, { mode: o.mode, onBytes: (n) => progress((sent = n)) });
  // A local read error (or a file that changed) ends the stream: the remote side must be stopped
  // too, or tar would wait for the rest of the archive forever.
  const stop = new AbortController();
  let localError: unknown;
  input.once('error', (err) => {
    localError = err;
    stop.abort();
  });
  const args = [
    nonce,
    o.mkdir ? '1' : '0',
    plan.parent,
    o.mode === undefined ? '' : o.mode.toString(8),
    o.owner ?? '',
    // The manifest's length lets the host take it off the pipe in a few reads (see the script).
    String(Buffer.byteLength(manifest(hostPlan.send, nonce))),
  ];
  let result;
  try {
    result = await runRemoteScript(conn, 'push-receive.sh', args, {
      ...sudo,
      signal: AbortSignal.any([o.signal, stop.signal]),
      stdin: input,
    });
  } finally {
    input.destroy();
  }
  counts = { ...counts, bytes_sent: sent };
  if (localError !== undefined) throw localError;
  if (result.aborted) return { counts, interrupted: true };
  if (result.exitCode === 73) {
    const bad = result.stdout
      .toString('utf8')
      .split('\n')
      .filter((l) => l.startsWith('fleet-bad '));
    throw new FleetError(
      'integrity',
      `sha256 mismatch on ${host.id}: ${bad.map((l) => l.slice(10)).join(', ')}; old files kept`,
      { host: host.id },
    );
  }
  if (result.exitCode !== 0) throw stepFailed(host, 'writing the files', result);
  const verified = /fleet-verified (\d+)/.exec(result.stdout.toString('utf8'));
  counts = { ...counts, files_sent: hostPlan.files, sha256_verified: Number(verified?.[1] ?? 0) };
  if (counts.sha256_verified !== hostPlan.files) {
    throw new FleetError(
      'integrity',
      `${host.id} verified ${counts.sha256_verified} of ${hostPlan.files} files`,
      {
        host: host.id,
      },
    );
  }
  return { counts, interrupted: false };
}
