/**
 * `fleet up`'s part of the swarm port check (ops/shared/port-check.ts, the same check `fleet
 * bootstrap` runs): kept cheap by checking only when hosts are about to join (a converged re-run
 * checks nothing) and only the pairs that touch them. Blocked ports are named as warnings before
 * the first join, so a join that then fails has its cause on screen; the check itself never stops
 * `up` (a failure of the check is a warning too).
 */
import { toFleetError } from '../../core/errors.js';
import { checkPorts } from '../shared/port-check.js';
import { usable, type HostRecord, type SwarmContext } from './context.js';
import { stepsOf } from './plan.js';

const openKey = (from: string, address: string, port: number): string => `${from} ${address} ${port}/tcp`;

/**
 * Whether this run's port check saw `from` connect to `address` on every one of these TCP ports. The
 * managers phase then skips its own probe of the leader from that host (one remote shell start less
 * per joining manager, before the first join): the same connects, seconds earlier, in this run.
 */
export function portsSeenOpen(
  ctx: SwarmContext,
  from: HostRecord,
  address: string,
  ports: number[],
): boolean {
  const open = ctx.portsOpen;
  return Boolean(open) && ports.every((p) => open!.has(openKey(from.target.id, address, p)));
}

export async function checkJoinPorts(ctx: SwarmContext): Promise<void> {
  if (ctx.command !== 'up') return;
  const joining = new Set(stepsOf(ctx, 'init', 'join-manager', 'join-worker').map((s) => s.host));
  if (joining.size === 0) return;
  const hosts = usable(ctx);
  if (hosts.length < 2) return;
  const managers = new Set(stepsOf(ctx, 'init', 'join-manager', 'promote').map((s) => s.host));
  for (const h of hosts) if (h.info?.swarm.controlAvailable) managers.add(h.target.id);
  try {
    const report = await checkPorts(
      ctx,
      ctx.pool,
      hosts.map((h) => h.target),
      [...managers],
      joining,
      (probe, result) => {
        if (probe.proto === 'tcp' && result === 'ok')
          (ctx.portsOpen ??= new Set()).add(openKey(probe.from, probe.address, probe.port));
      },
    );
    ctx.bus.log('info', `swarm ports: ${report.ok} of ${report.probes} probes answered`);
    for (const line of report.not_verified) ctx.bus.log('debug', line);
    for (const line of report.blocked) ctx.bus.log('warn', `swarm port blocked: ${line}`);
  } catch (err) {
    ctx.bus.log('warn', `swarm port check skipped: ${toFleetError(err).message}`);
  }
}
