/**
 * `fleet push SRC… DEST` as an operation: walk and hash the local files once, map them onto DEST
 * (core/transfer-plan.ts), then every host through the one fan-out (pushToHost) — on the main thread,
 * or for a large push split over worker threads (ops/push/threads.ts) — then the JSON report.
 */
import { walkSources } from '../../adapters/fs/local-tree.js';
import { pushThreadCount } from '../../core/push-threads.js';
import { checkRemotePath, planPush } from '../../core/transfer-plan.js';
import type { TransferReport } from '../../core/transfer-report.js';
import { forEachHost } from '../../runtime/for-each-host.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import { pushToHost } from '../shared/push-host.js';
import { finishTransferRun, type TransferInput } from '../shared/transfer.js';
import { pushInThreads, pushWorkersAvailable } from './threads.js';

export interface PushInput extends TransferInput {
  sources: string[];
  dest: string;
  mkdir?: boolean;
  /** Mode for every pushed file (directories keep theirs). */
  mode?: number;
  /** chown spec (user, user:group), applied with sudo. */
  owner?: string;
  /** Cores the client may use (the CLI: os.availableParallelism()); default 1: the main thread only. */
  cpus?: number;
  /** An explicit thread count (FLEET_PUSH_THREADS) instead of the choice core/push-threads.ts makes. */
  threads?: number;
}

export async function run(input: PushInput, rt: Runtime): Promise<OperationResult<TransferReport>> {
  const { bus, signal } = rt;
  const startedAt = new Date();
  checkRemotePath(input.dest, 'DEST');
  const sources = await walkSources(input.sources, { warn: (m) => bus.log('warn', m), signal });
  const plan = planPush(sources, input.dest);
  bus.emit({
    type: 'run:start',
    command: `push ${input.sources.join(' ')} ${input.dest}`,
    hosts: input.hosts.map((h) => h.id),
    at: Date.now(),
  });
  const options = {
    force: input.force === true,
    mkdir: input.mkdir === true,
    mode: input.mode,
    owner: input.owner,
    sudo: input.sudo === true,
    sudoPassword: rt.sudoPassword,
  };
  const settings = pushWorkersAvailable() ? rt.sshSettings : undefined;
  const threads = settings
    ? pushThreadCount({
        cpus: input.cpus ?? 1,
        hosts: input.hosts.length,
        bytesPerHost: plan.bytes,
        requested: input.threads,
      })
    : 1;
  bus.log(
    'info',
    `${plan.files} files (${plan.bytes} bytes) to ${input.hosts.length} hosts${threads > 1 ? ` from ${threads} threads` : ''}`,
  );
  let hosts;
  try {
    if (settings && threads > 1) {
      hosts = await pushInThreads({ ...input, threads, plan, options, settings, bus, signal });
    } else {
      const pool = await rt.pool();
      hosts = await forEachHost(input.hosts, { concurrency: input.concurrency }, (host) =>
        pushToHost(host, { ...options, plan, pool, bus, signal }),
      );
    }
  } finally {
    await rt.releasePool();
  }
  return finishTransferRun(
    rt,
    {
      command: 'push',
      sources: input.sources,
      destination: input.dest,
      files: plan.files,
      bytes: plan.bytes,
      hosts,
    },
    startedAt,
    input.reportPath,
  );
}
