/**
 * `fleet recovery install|status|remove` as an operation. Install first reads the swarm's managers
 * (ops/shared/manager.ts withManager): their addresses go into each node's config, so the boot script
 * can wait until one answers on 2377. Then every node through the one fan-out.
 */
import { loadRemoteScript } from '../../adapters/remote-scripts.js';
import type { HostTarget } from '../../core/host.js';
import {
  DEFAULT_RECOVERY,
  RECOVERY_PATHS,
  recoveryConfigFile,
  recoveryUnit,
  recoveryVerdict,
  sha256Hex,
  type RecoveryConfig,
  type RecoveryStatus,
} from '../../core/recovery.js';
import { planGeneratedFiles } from '../../core/generated-files.js';
import { roundSeconds } from '../../core/report.js';
import { finishRun } from '../../runtime/finish-run.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import {
  forEachHostRow,
  hostRowCounts,
  hostRowsError,
  type HostRow,
  type HostRowCounts,
} from '../shared/host-rows.js';
import { withManager } from '../shared/manager.js';
import { install, readStatus, remove, type RecoveryHostContext } from './host.js';

export type RecoveryAction = 'install' | 'status' | 'remove';

export interface RecoveryInput {
  action: RecoveryAction;
  /** The nodes to act on. */
  hosts: HostTarget[];
  /** Where to look for the swarm's managers (install): the hosts of nodes.yml. */
  managers: HostTarget[];
  waitMounts: string[];
  /** Overrides of the boot script's waits (seconds); defaults in core/recovery.ts. */
  timings?: Partial<Pick<RecoveryConfig, 'waitSeconds' | 'settleSeconds' | 'backoffMaxSeconds'>>;
  concurrency: number;
  reportPath?: string;
}

export interface RecoveryHostReport extends HostRow {
  installed: boolean | null;
  enabled: string | null;
  current: boolean | null;
  swarm_state: string | null;
  verdict: string | null;
  /** The unit's journal lines of the current boot (status). */
  last_boot: string[];
  /** The boot script's own summary of that boot. */
  last_result: string | null;
}

/** The counts and `devices` (ops/shared/host-rows.ts) beside its own fields. */
export interface RecoveryReport extends HostRowCounts {
  command: `recovery ${RecoveryAction}`;
  timestamp: string;
  duration_seconds: number;
  was_interrupted: boolean;
  managers: string[];
  wait_mounts: string[];
  hosts: RecoveryHostReport[];
}

/** Manager addresses from the swarm's own node list (what a node dials on 2377). */
async function managerAddresses(rt: Runtime, candidates: HostTarget[]): Promise<string[]> {
  return withManager(
    rt,
    candidates.map((target) => ({ target })),
    async (m) =>
      m.nodes
        .filter((n) => n.role === 'manager')
        .map((n) => (n.manager?.addr ? n.manager.addr.replace(/:\d+$/, '') : n.addr))
        .filter(Boolean),
  );
}

/** A node's own fields: what the status script saw (nothing for remove, or a failed node). */
function statusFields(s: RecoveryStatus | undefined): Omit<RecoveryHostReport, keyof HostRow> {
  return {
    installed: s?.installed ?? null,
    enabled: s?.enabled ?? null,
    current: s?.current ?? null,
    swarm_state: s?.swarmState ?? null,
    verdict: s ? recoveryVerdict(s) : null,
    last_boot: s?.lastBoot ?? [],
    last_result: s?.result ?? null,
  };
}

export async function run(input: RecoveryInput, rt: Runtime): Promise<OperationResult<RecoveryReport>> {
  const { bus, signal } = rt;
  const startedAt = new Date();
  const started = Date.now();
  const script = await loadRemoteScript('recovery-boot.sh');
  const unit = recoveryUnit({ waitMounts: input.waitMounts });
  const ctx: RecoveryHostContext = {
    bus,
    signal,
    sudoPassword: rt.sudoPassword,
    expected: { unit: sha256Hex(unit), script: sha256Hex(script) },
  };
  bus.emit({
    type: 'run:start',
    command: `recovery ${input.action}`,
    hosts: input.hosts.map((h) => h.id),
    at: started,
  });
  let managers: string[] = [];
  let hosts: RecoveryHostReport[];
  try {
    if (input.action === 'install') {
      managers = await managerAddresses(rt, input.managers);
      bus.log('info', `managers the nodes will wait for on 2377: ${managers.join(', ')}`);
    }
    hosts = await forEachHostRow(
      rt,
      input.hosts,
      input.concurrency,
      async (host, conn) => {
        let changed = false;
        if (input.action === 'install') {
          const config = recoveryConfigFile({
            ...DEFAULT_RECOVERY,
            ...input.timings,
            managers: managers.filter((a) => a !== host.address),
            waitMounts: input.waitMounts,
          });
          const plan = planGeneratedFiles(
            [
              { path: RECOVERY_PATHS.unit, content: unit, mode: 0o644 },
              { path: RECOVERY_PATHS.script, content: script, mode: 0o755 },
              { path: RECOVERY_PATHS.config, content: config, mode: 0o644 },
            ],
            Math.floor(started / 1000),
          );
          changed = await install(host, conn, plan, ctx);
        } else if (input.action === 'remove') {
          changed = await remove(host, conn, ctx);
        }
        const status = input.action === 'remove' ? undefined : await readStatus(host, conn, ctx);
        if (changed) {
          const what =
            input.action === 'install' ? 'recovery unit installed and enabled' : 'recovery unit removed';
          bus.emit({ type: 'change', host: host.id, description: what, dryRun: false });
        }
        return { changed, fields: statusFields(status) };
      },
      () => statusFields(undefined),
    );
  } finally {
    await rt.releasePool();
  }
  const report: RecoveryReport = {
    command: `recovery ${input.action}`,
    timestamp: startedAt.toISOString(),
    ...hostRowCounts(hosts),
    duration_seconds: roundSeconds(Date.now() - started),
    was_interrupted: signal.aborted,
    managers,
    wait_mounts: input.waitMounts,
    hosts,
  };
  return finishRun(rt, {
    name: `recovery-${input.action}`,
    report,
    startedAt,
    reportPath: input.reportPath,
    error: hostRowsError(hosts, signal, `recovery ${input.action}`, { soleHostCode: true }),
  });
}
