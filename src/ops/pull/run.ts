/**
 * `fleet pull REMOTE LOCALDIR` as an operation: every host through the one fan-out (pullFromHost),
 * each into LOCALDIR/<host>/<name of REMOTE>, then the JSON report.
 */
import { checkRemotePath } from '../../core/transfer-plan.js';
import type { TransferReport } from '../../core/transfer-report.js';
import { forEachHost } from '../../runtime/for-each-host.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import { finishTransferRun, type TransferInput } from '../shared/transfer.js';
import { pullFromHost } from './host.js';

export interface PullInput extends TransferInput {
  remote: string;
  localDir: string;
}

export async function run(input: PullInput, rt: Runtime): Promise<OperationResult<TransferReport>> {
  const { bus, signal } = rt;
  const startedAt = new Date();
  const remote = checkRemotePath(input.remote, 'REMOTE');
  bus.emit({
    type: 'run:start',
    command: `pull ${remote} ${input.localDir}`,
    hosts: input.hosts.map((h) => h.id),
    at: Date.now(),
  });
  let hosts;
  try {
    const pool = await rt.pool();
    hosts = await forEachHost(input.hosts, { concurrency: input.concurrency }, (host) =>
      pullFromHost(host, {
        remote,
        localDir: input.localDir,
        pool,
        bus,
        signal,
        force: input.force === true,
        sudo: input.sudo === true,
        sudoPassword: rt.sudoPassword,
      }),
    );
  } finally {
    await rt.releasePool();
  }
  return finishTransferRun(
    rt,
    {
      command: 'pull',
      sources: [remote],
      destination: input.localDir,
      files: hosts.reduce((n, h) => n + h.files_sent + h.files_skipped, 0),
      bytes: hosts.reduce((n, h) => n + h.bytes_sent, 0),
      hosts,
    },
    startedAt,
    input.reportPath,
  );
}
