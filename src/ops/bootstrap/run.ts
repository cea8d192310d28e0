/**
 * `fleet bootstrap`: make each selected host ready for `fleet up`. Phases: plan (connect, optionally
 * install the user's key, read the host, core/bootstrap-plan.ts per host), apply (install, daemon.json,
 * docker group, enable/start; every step through the change gate, so --dry-run prints the plan and
 * changes nothing), restart (engines whose daemon.json changed, swarm-safely: restart.ts), verify
 * (`docker info` default runtime, GPU container), ports (the swarm's ports between the hosts).
 */
import { readPublicKey, type PublicKey } from '../../adapters/ssh/public-key.js';
import type { SshConnection, SshPool } from '../../adapters/ssh/types.js';
import { planHostBootstrap, type HostBootstrapPlan } from '../../core/bootstrap-plan.js';
import { FleetError, toFleetError } from '../../core/errors.js';
import type { NfsMount } from '../../core/nfs-mounts.js';
import { failureKind, type HostTarget } from '../../core/host.js';
import { roundSeconds } from '../../core/report.js';
import type { PushPlan } from '../../core/transfer-plan.js';
import { forEachHost } from '../../runtime/for-each-host.js';
import { createPhaseContext, runPhases, type PhaseContext } from '../../runtime/phase.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import { authorizeKey } from './authorize-key.js';
import { applyStep, packagesPlan, probeBootstrap } from './host.js';
import { checkPorts, type PortCheckReport } from '../shared/port-check.js';
import { restartSafely } from './restart.js';
import { verifyHost } from './verify.js';

export interface BootstrapInput {
  hosts: HostTarget[];
  /** Hosts that are (or will be) managers: 2377/tcp is checked towards them. Empty: every host. */
  managers: string[];
  dryRun: boolean;
  authorizeKey: boolean;
  /** --packages DIR: install the engine from the .debs in it instead of apt. */
  packagesDir?: string;
  dockerGroup: boolean;
  /** --nfs shares: fstab entries (_netdev,nofail), mounted and checked. */
  nfs?: NfsMount[];
  /** Check the swarm's ports between the hosts (default on). */
  checkPorts: boolean;
  concurrency: number;
  /** How long a restarted engine may take to be Ready again. */
  timeoutMs: number;
  reportPath?: string;
}

export interface BootstrapHostReport {
  id: string;
  status: 'changed' | 'unchanged' | 'planned' | 'failed' | 'interrupted';
  changes: string[];
  /** The daemon.json diff lines (`+ key: value (why)`), when it changed or would change. */
  daemon_json_diff: string[];
  notes: string[];
  default_runtime: string | null;
  gpu_check: 'ok' | 'skipped' | 'failed' | null;
  error: string | null;
  failure: string | null;
}

export interface BootstrapReport {
  command: 'bootstrap';
  timestamp: string;
  duration_seconds: number;
  dry_run: boolean;
  was_interrupted: boolean;
  total_devices: number;
  changed: number;
  failed: number;
  hosts: BootstrapHostReport[];
  ports: PortCheckReport | null;
}

interface HostWork {
  target: HostTarget;
  conn?: SshConnection;
  plan?: HostBootstrapPlan;
  row: BootstrapHostReport;
}

interface BootstrapContext extends PhaseContext {
  rt: Runtime;
  pool: SshPool;
  work: HostWork[];
  key?: PublicKey;
  packages?: PushPlan;
  ports?: PortCheckReport;
  dockerGroup: boolean;
  nfs: NfsMount[];
  concurrency: number;
  timeoutMs: number;
  portsWanted: boolean;
  managers: string[];
}

const live = (c: BootstrapContext): HostWork[] => c.work.filter((w) => w.row.error === null);

function fail(w: HostWork, err: unknown, signal: AbortSignal): void {
  const e = toFleetError(err);
  w.row.status = signal.aborted ? 'interrupted' : 'failed';
  w.row.error = e.hint ? `${e.message} (${e.hint})` : e.message;
  w.row.failure = failureKind(e.code) ?? 'exit';
}

const PHASES = [
  {
    title: 'plan',
    async run(c: BootstrapContext): Promise<void> {
      await forEachHost(c.work, { concurrency: c.concurrency }, async (w) => {
        try {
          c.bus.hostState(w.target.id, 'connecting');
          w.conn = await c.pool.connect(w.target, c.signal);
          if (c.key) {
            const done = await authorizeKey(w.conn, c.key, c.rt, c);
            if (done) w.row.changes.push(done);
          }
          c.bus.hostState(w.target.id, 'running', 'reading the host');
          const mountPoints = c.nfs.map((m) => m.local);
          const probe = await probeBootstrap(w.conn, w.target, c.signal, mountPoints);
          const debs = c.packages?.entries.filter((e) => e.type === 'file').map((e) => e.rel) ?? [];
          const o = { debs, dockerGroup: c.dockerGroup, nfs: c.nfs };
          w.plan = planHostBootstrap(probe, o, w.target.id);
          w.row.notes.push(...w.plan.notes);
          c.bus.hostState(w.target.id, 'waiting', `${w.plan.steps.length} steps`);
        } catch (err) {
          fail(w, err, c.signal);
        }
      });
    },
  },
  {
    title: 'apply',
    async run(c: BootstrapContext): Promise<void> {
      await forEachHost(live(c), { concurrency: c.concurrency }, async (w) => {
        try {
          for (const step of w.plan!.steps) {
            if (c.signal.aborted) throw new FleetError('interrupted', 'interrupted');
            w.row.changes.push(step.sentence);
            if (step.kind === 'daemon-json') w.row.daemon_json_diff = step.diff;
            await c.change(w.target.id, step.sentence, async () => {
              // Restarts wait for the next phase, where they go one host at a time.
              if (step.kind === 'restart') return;
              await applyStep(w.conn!, w.target, step, { rt: c.rt, pool: c.pool, packages: c.packages });
            });
            if (step.kind === 'daemon-json')
              for (const d of step.diff) c.bus.log('info', `  ${d}`, w.target.id);
          }
        } catch (err) {
          fail(w, err, c.signal);
        }
      });
    },
  },
  {
    title: 'restart',
    shouldRun: (c: BootstrapContext) =>
      c.dryRun ? 'dry run' : restartTargets(c).length > 0 || 'no engine needs a restart',
    async run(c: BootstrapContext): Promise<void> {
      const targets = restartTargets(c);
      const failed = await restartSafely(
        targets.map((w) => w.target),
        {
          rt: c.rt,
          pool: c.pool,
          timeoutMs: c.timeoutMs,
          onChange: (host, d) => c.work.find((w) => w.target.id === host)?.row.changes.push(d),
        },
      );
      for (const w of targets) if (failed.has(w.target.id)) fail(w, failed.get(w.target.id), c.signal);
    },
  },
  {
    title: 'verify',
    shouldRun: (c: BootstrapContext) => (c.dryRun ? 'dry run' : live(c).length > 0 || 'no host left'),
    async run(c: BootstrapContext): Promise<void> {
      await forEachHost(live(c), { concurrency: c.concurrency }, async (w) => {
        try {
          const v = await verifyHost(w.conn!, c.rt, w.plan!.nvidiaDefault);
          w.row.default_runtime = v.defaultRuntime;
          w.row.gpu_check = v.gpuCheck ?? null;
          w.row.notes.push(...v.notes);
          for (const n of v.notes) c.bus.log('info', n, w.target.id);
        } catch (err) {
          fail(w, err, c.signal);
        }
      });
    },
  },
  {
    title: 'ports',
    shouldRun: (c: BootstrapContext) =>
      !c.portsWanted ? 'not asked' : c.dryRun ? 'dry run' : live(c).length > 1 || 'fewer than two hosts',
    async run(c: BootstrapContext): Promise<void> {
      const hosts = live(c).map((w) => w.target);
      c.ports = await checkPorts(c.rt, c.pool, hosts, c.managers);
      c.bus.log('info', `swarm ports: ${c.ports.ok} of ${c.ports.probes} probes answered`);
      for (const line of c.ports.not_verified) c.bus.log('info', line);
      for (const line of c.ports.blocked) c.bus.log('warn', line);
    },
  },
];

function restartTargets(c: BootstrapContext): HostWork[] {
  return live(c).filter((w) => w.plan!.steps.some((s) => s.kind === 'restart'));
}

export async function run(input: BootstrapInput, rt: Runtime): Promise<OperationResult<BootstrapReport>> {
  const startedAt = new Date();
  const { bus, signal } = rt;
  bus.emit({ type: 'run:start', command: 'bootstrap', hosts: input.hosts.map((h) => h.id), at: Date.now() });
  const work: HostWork[] = input.hosts.map((target) => ({
    target,
    row: {
      id: target.id,
      status: 'unchanged',
      changes: [],
      daemon_json_diff: [],
      notes: [],
      default_runtime: null,
      gpu_check: null,
      error: null,
      failure: null,
    },
  }));
  let error: FleetError | undefined;
  let ctx: BootstrapContext | undefined;
  try {
    const key = input.authorizeKey ? readPublicKey(input.hosts[0]?.identityFiles ?? []) : undefined;
    const packages = input.packagesDir ? await packagesPlan(input.packagesDir, rt) : undefined;
    ctx = {
      ...createPhaseContext(bus, input.dryRun, signal),
      rt,
      pool: await rt.pool(),
      work,
      key,
      packages,
      timeoutMs: input.timeoutMs,
      portsWanted: input.checkPorts,
      managers: input.managers,
      dockerGroup: input.dockerGroup,
      nfs: input.nfs ?? [],
      concurrency: input.concurrency,
    };
    await runPhases(PHASES, ctx);
  } catch (err) {
    error = toFleetError(err);
  } finally {
    await rt.releasePool();
  }
  for (const w of work) {
    if (w.row.error === null && w.row.changes.length > 0) w.row.status = input.dryRun ? 'planned' : 'changed';
    bus.emit({
      type: 'host:done',
      host: w.target.id,
      ok: w.row.error === null,
      failure: w.row.error === null ? undefined : w.row.status === 'interrupted' ? 'interrupted' : 'exit',
      error: w.row.error ?? undefined,
      durationMs: Date.now() - startedAt.getTime(),
    });
  }
  const failed = work.filter((w) => w.row.error !== null);
  const portProblems = ctx?.ports?.problems ?? [];
  if (!error && signal.aborted) error = new FleetError('interrupted', 'interrupted');
  if (!error && failed.length > 0) {
    error = new FleetError(
      'partial',
      `bootstrap failed on ${failed.length} of ${work.length} hosts: ${failed.map((w) => `${w.target.id}: ${w.row.error}`).join('; ')}`,
    );
  }
  if (!error && portProblems.length > 0) {
    error = new FleetError('partial', `swarm ports blocked: ${portProblems.join('; ')}`, {
      hint: 'open them in the hosts’ firewalls (ufw/iptables) before fleet up',
    });
  }
  const report: BootstrapReport = {
    command: 'bootstrap',
    timestamp: startedAt.toISOString(),
    duration_seconds: roundSeconds(Date.now() - startedAt.getTime()),
    dry_run: input.dryRun,
    was_interrupted: signal.aborted,
    total_devices: work.length,
    changed: work.filter((w) => w.row.status === 'changed' || w.row.status === 'planned').length,
    failed: failed.length,
    hosts: work.map((w) => w.row),
    ports: ctx?.ports ?? null,
  };
  const path = await rt.writeReport('bootstrap', report, startedAt, input.reportPath);
  bus.log('info', `report: ${path}`);
  bus.emit({
    type: 'run:done',
    ok: !error,
    durationMs: report.duration_seconds * 1000,
    interrupted: signal.aborted,
    error: error?.message,
  });
  return { result: report, reportPath: path, error };
}
