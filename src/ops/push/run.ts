/**
 * `fleet push SRC… DEST` as an operation: walk and hash the local files once, map them onto DEST
 * (core/transfer-plan.ts), then every host through the one fan-out (pushToHost), then the JSON report.
 */
import { walkSources } from '../../adapters/fs/local-tree.js';
import type { HostTarget } from '../../core/host.js';
import { checkRemotePath, planPush } from '../../core/transfer-plan.js';
import { buildTransferReport, type TransferReport } from '../../core/transfer-report.js';
import { forEachHost } from '../../runtime/for-each-host.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import { pushToHost } from '../shared/push-host.js';
import { finishTransferRun } from '../shared/transfer.js';

export interface PushInput {
  sources: string[];
  dest: string;
  hosts: HostTarget[];
  concurrency: number;
  /** Rewrite files whose sha256 already matches (default: skip them). */
  force?: boolean;
  mkdir?: boolean;
  /** Mode for every pushed file (directories keep theirs). */
  mode?: number;
  /** chown spec (user, user:group), applied with sudo. */
  owner?: string;
  sudo?: boolean;
  reportPath?: string;
}

export async function run(input: PushInput, rt: Runtime): Promise<OperationResult<TransferReport>> {
  const { bus, signal } = rt;
  const startedAt = new Date();
  checkRemotePath(input.dest, 'DEST');
  const sources = await walkSources(input.sources, { warn: (m) => bus.log('warn', m), signal });
  const plan = planPush(sources, input.dest);
  bus.log('info', `${plan.files} files (${plan.bytes} bytes) to ${input.hosts.length} hosts`);
  bus.emit({
    type: 'run:start',
    command: `push ${input.sources.join(' ')} ${input.dest}`,
    hosts: input.hosts.map((h) => h.id),
    at: Date.now(),
  });
  let hosts;
  try {
    const pool = await rt.pool();
    hosts = await forEachHost(input.hosts, { concurrency: input.concurrency }, (host) =>
      pushToHost(host, {
        plan,
        pool,
        bus,
        signal,
        force: input.force === true,
        mkdir: input.mkdir === true,
        mode: input.mode,
        owner: input.owner,
        sudo: input.sudo === true,
        sudoPassword: rt.sudoPassword,
      }),
    );
  } finally {
    await rt.releasePool();
  }
  const report = buildTransferReport({
    command: 'push',
    sources: input.sources,
    destination: input.dest,
    startedAt,
    durationMs: Date.now() - startedAt.getTime(),
    interrupted: signal.aborted,
    files: plan.files,
    bytes: plan.bytes,
    hosts,
  });
  return finishTransferRun(rt, report, startedAt, input.reportPath);
}
