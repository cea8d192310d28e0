/**
 * One host of `fleet push`: connect (pooled), then the shared push machinery (ops/shared/push-files.ts:
 * probe, tar stream, sha256 check before anything is renamed into place). Never throws: the outcome
 * is the host's report row.
 */
import type { SshPool } from '../../adapters/ssh/types.js';
import type { HostTarget } from '../../core/host.js';
import type { TransferHostReport } from '../../core/transfer-report.js';
import type { PushPlan } from '../../core/transfer-plan.js';
import { sendPlan, type SendPlanOptions } from './push-files.js';
import { finishHost, NO_COUNTS, type HostCounts } from './transfer.js';

export interface PushHostOptions extends SendPlanOptions {
  plan: PushPlan;
  pool: SshPool;
}

export async function pushToHost(host: HostTarget, o: PushHostOptions): Promise<TransferHostReport> {
  const started = Date.now();
  let counts: HostCounts = NO_COUNTS;
  if (o.signal.aborted) return finishHost(o.bus, host, started, counts, { interrupted: true });
  try {
    o.bus.hostState(host.id, 'connecting');
    const conn = await o.pool.connect(host, o.signal);
    const sent = await sendPlan(host, conn, o.plan, o);
    counts = sent.counts;
    return finishHost(o.bus, host, started, counts, { interrupted: sent.interrupted });
  } catch (err) {
    if (o.signal.aborted) return finishHost(o.bus, host, started, counts, { interrupted: true });
    return finishHost(o.bus, host, started, counts, { error: err });
  }
}
