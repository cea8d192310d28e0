/**
 * One host of `fleet push` (and of `fleet stack deploy`'s config and secret files): connect
 * (pooled), ask what it has (remote/push-probe.sh), send what is missing or different as a tar
 * stream into remote/push-receive.sh, which checks every sha256 before renaming anything into
 * place. Never throws: the outcome is the host's report row.
 */
import { randomBytes } from 'node:crypto';
import type { SshPool } from '../../adapters/ssh/types.js';
import { FleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import type { TransferHostReport } from '../../core/transfer-report.js';
import { parseRemoteState, planHost, type PushPlan } from '../../core/transfer-plan.js';
import type { EventBus } from '../../runtime/events.js';
import {
  finishHost,
  NO_COUNTS,
  progressReporter,
  runRemoteScript,
  stepFailed,
  type HostCounts,
} from './transfer.js';
import { receiveInput } from './push-stream.js';

export interface PushHostOptions {
  plan: PushPlan;
  pool: SshPool;
  bus: EventBus;
  signal: AbortSignal;
  force: boolean;
  mkdir: boolean;
  mode?: number;
  owner?: string;
  sudo: boolean;
  sudoPassword?: string;
}

export async function pushToHost(host: HostTarget, o: PushHostOptions): Promise<TransferHostReport> {
  const started = Date.now();
  let counts: HostCounts = NO_COUNTS;
  if (o.signal.aborted) return finishHost(o.bus, host, started, counts, { interrupted: true });
  const sudo = { sudo: o.sudo, sudoPassword: o.sudoPassword, signal: o.signal };
  try {
    o.bus.hostState(host.id, 'connecting');
    const conn = await o.pool.connect(host, o.signal);
    o.bus.hostState(host.id, 'running', 'comparing sha256');
    const paths = o.plan.entries.map((e) => e.remote).join('\n');
    const probe = await runRemoteScript(conn, 'push-probe.sh', [o.plan.parent, o.force ? '0' : '1'], {
      ...sudo,
      stdin: `${paths}\n`,
      timeoutMs: 600_000,
    });
    if (probe.aborted) return finishHost(o.bus, host, started, counts, { interrupted: true });
    if (probe.exitCode !== 0) throw stepFailed(host, 'reading the destination', probe);
    const probeText = probe.stdout.toString('utf8');
    if (!o.mkdir && probeText.split('\n').includes('missing-parent')) {
      throw new FleetError('remote-exit', `${o.plan.parent} does not exist on ${host.id}`, {
        host: host.id,
        hint: 'create it, or pass --mkdir',
      });
    }
    const hostPlan = planHost(o.plan, parseRemoteState(probeText), o.force);
    const skipped = o.plan.files - hostPlan.files;
    counts = { ...NO_COUNTS, files_skipped: skipped };
    if (hostPlan.send.length === 0) {
      o.bus.emit({ type: 'host:progress', host: host.id, done: 0, total: 0, unit: 'bytes' });
      return finishHost(o.bus, host, started, counts, {});
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
      o.plan.parent,
      o.mode === undefined ? '' : o.mode.toString(8),
      o.owner ?? '',
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
    if (result.aborted) return finishHost(o.bus, host, started, counts, { interrupted: true });
    if (result.exitCode === 73) {
      const bad = result.stdout
        .toString('utf8')
        .split('\n')
        .filter((l) => l.startsWith('fleet-bad '));
      throw new FleetError(
        'integrity',
        `sha256 mismatch on ${host.id}: ${bad.map((l) => l.slice(10)).join(', ')}; old files kept`,
        {
          host: host.id,
        },
      );
    }
    if (result.exitCode !== 0) throw stepFailed(host, 'writing the files', result);
    const verified = /fleet-verified (\d+)/.exec(result.stdout.toString('utf8'));
    counts = { ...counts, files_sent: hostPlan.files, sha256_verified: Number(verified?.[1] ?? 0) };
    if (counts.sha256_verified !== hostPlan.files) {
      throw new FleetError(
        'integrity',
        `${host.id} verified ${counts.sha256_verified} of ${hostPlan.files} files`,
        { host: host.id },
      );
    }
    return finishHost(o.bus, host, started, counts, {});
  } catch (err) {
    if (o.signal.aborted) return finishHost(o.bus, host, started, counts, { interrupted: true });
    return finishHost(o.bus, host, started, counts, { error: err });
  }
}
