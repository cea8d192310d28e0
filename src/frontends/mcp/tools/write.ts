/**
 * Tools that change the cluster (listed with --allow-write): create and scale services, deploy a
 * stack, back up, put a drained node back to work. Each takes the cluster lock like the CLI command
 * does, waits for convergence (progress notifications on the way) unless `detach`, and can run in
 * the background (`background: true` → a job id for fleet_job_status).
 */
import { z } from 'zod';
import { defineTool, type ToolCall, type ToolDef, type ToolOutput } from '../context.js';
import { backgroundArg, hostsArg, orJob, rows, timeoutArg } from './schemas.js';

const detachArg = z.boolean().optional().describe('do not wait for the tasks to converge');

/** What a service change returns (ops/service/report.ts ServiceChangeReport). */
export const serviceChange = orJob({
  command: z.string(),
  service: z.string(),
  service_id: z.string().nullable(),
  manager: z.string().nullable(),
  converged: z.boolean().nullable(),
  desired: z.number().nullable(),
  running: z.number().nullable(),
  problems: z.array(z.string()),
  tasks: rows,
  error: z.string().nullable(),
});

export function converge(args: { timeout_seconds?: number }): { timeoutMs: number; stuckMs: number } {
  return { timeoutMs: (args.timeout_seconds ?? 300) * 1000, stuckMs: 20_000 };
}

export async function changeResult(
  call: ToolCall,
  command: string,
  op: (
    managers: Awaited<ReturnType<ToolCall['managers']>>,
  ) => Promise<{ result: object; error?: import('../../../core/errors.js').FleetError; reportPath?: string }>,
): Promise<ToolOutput> {
  const managers = await call.managers();
  await call.lock(command, managers);
  const out = await op(managers);
  return { result: out.result as never, error: out.error, report: out.reportPath };
}

const serviceCreate = defineTool({
  name: 'fleet_service_create',
  title: 'Create a service',
  description:
    'Creates a swarm service (like docker service create) on the fleet network and waits until its tasks run (or says why they do not: no suitable node, image missing, …).',
  access: 'write',
  input: {
    name: z.string().min(1),
    image: z.string().min(1),
    command: z.array(z.string()).optional().describe('command and arguments'),
    replicas: z.number().int().min(0).optional(),
    global: z.boolean().optional().describe('one task per node instead of replicas'),
    env: z.array(z.string()).optional().describe('KEY=value'),
    constraint: z.array(z.string()).optional().describe('placement, e.g. node.labels.gpu==true'),
    gpu: z.boolean().optional().describe('only nodes labelled gpu=true'),
    label: z.array(z.string()).optional(),
    publish: z.array(z.string()).optional().describe('published:target[/proto]'),
    network: z.string().optional().describe('default: the fleet network of nodes.yml'),
    detach: detachArg,
    timeout_seconds: timeoutArg('wait for convergence at most', 300),
    background: backgroundArg,
  },
  output: serviceChange,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  background: true,
  async run(args, call) {
    const [{ run }, { resolveSwarmNetwork }] = await Promise.all([
      import('../../../ops/service/create.js'),
      import('../../../core/config.js'),
    ]);
    const network = args.network ?? resolveSwarmNetwork((await call.inventory()).defaults).name;
    const { name, image, command, replicas, global, env, constraint, gpu, label, publish } = args;
    const flags = { image, command, replicas, global, env, constraint, gpu, label, publish, network };
    return changeResult(call, 'service create', (managers) =>
      run({ managers, name, flags, detach: args.detach, ...converge(args) }, call.rt),
    );
  },
});

const serviceScale = defineTool({
  name: 'fleet_service_scale',
  title: 'Scale a service',
  description:
    'Sets the replica count of a replicated service and waits until that many tasks run (or says why not).',
  access: 'write',
  input: {
    service: z.string().min(1),
    replicas: z.number().int().min(0),
    detach: detachArg,
    timeout_seconds: timeoutArg('wait for convergence at most', 300),
    background: backgroundArg,
  },
  output: serviceChange,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  background: true,
  async run(args, call) {
    const { run } = await import('../../../ops/service/update.js');
    return changeResult(call, 'service scale', (managers) =>
      run(
        {
          managers,
          service: args.service,
          mode: { kind: 'scale', replicas: args.replicas },
          detach: args.detach,
          ...converge(args),
        },
        call.rt,
      ),
    );
  },
});

const stackDeploy = defineTool({
  name: 'fleet_stack_deploy',
  title: 'Deploy a stack',
  description:
    'Deploys a compose file (its text as an argument) as a swarm stack through a manager (docker stack deploy) and waits for its services to converge. Compose files naming local files (env_file, configs, secrets from files) are refused.',
  access: 'write',
  input: {
    name: z.string().min(1).describe('stack name'),
    compose: z.string().min(1).describe('the compose file, as text'),
    detach: detachArg,
    timeout_seconds: timeoutArg('wait for convergence at most', 300),
    background: backgroundArg,
  },
  output: orJob({ stack: z.string().nullable(), manager: z.string().nullable(), services: rows }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  background: true,
  async run(args, call) {
    const { deploy } = await import('../../../ops/stack/run.js');
    return changeResult(call, 'stack deploy', (managers) =>
      deploy(
        {
          managers,
          name: args.name,
          compose: args.compose,
          composeFile: 'compose.yml',
          detach: args.detach,
          ...converge(args),
        },
        call.rt,
      ),
    );
  },
});

const backupCreate = defineTool({
  name: 'fleet_backup_create',
  title: 'Back up the cluster',
  description:
    "Backs up the swarm state (from a manager, without losing quorum), fleet's paths (/etc/fleet and extra paths) and named volumes of the hosts into the store (./backups, FLEET_BACKUP_TO or nodes.yml defaults.backup). Long: send a progress token or use background: true.",
  access: 'write',
  input: {
    hosts: hostsArg,
    only: z
      .array(z.enum(['swarm', 'paths', 'volumes']))
      .optional()
      .describe('default: all three'),
    path: z.array(z.string()).optional().describe('extra absolute paths to archive'),
    volume: z.array(z.string()).optional().describe('named volumes to archive'),
    allow_downtime: z
      .boolean()
      .optional()
      .describe('allow stopping Docker on a single manager (its swarm pauses)'),
    background: backgroundArg,
  },
  output: orJob({ backup_id: z.string().nullable(), hosts: rows, items: rows }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  background: true,
  async run(args, call) {
    const [{ runBackup }, { openBackupStore }, { BUILD_INFO }] = await Promise.all([
      import('../../../ops/backup/run-backup.js'),
      import('../../../ops/backup/store.js'),
      import('../../../core/build-info.js'),
    ]);
    const defaults = (await call.inventory()).defaults.backup;
    const store = await openBackupStore({
      env: call.config.env,
      defaults: { to: defaults?.target, s3: defaults?.s3 },
    });
    try {
      const hosts = await call.hosts(args.hosts);
      call.touched(hosts.map((h) => h.id));
      await call.lock('backup', hosts);
      const explicit = (args.only ?? []).length > 0;
      const out = await runBackup(
        {
          hosts,
          store,
          kinds: explicit ? [...new Set(args.only)] : ['swarm', 'paths', 'volumes'],
          explicitKinds: explicit,
          extraPaths: args.path ?? [],
          volumes: args.volume ?? [],
          allowDowntime: Boolean(args.allow_downtime),
          dryRun: false,
          gzip: true,
          concurrency: call.config.concurrency,
          sudo: call.config.sudo,
          waitTimeoutMs: 120_000,
          fleetVersion: BUILD_INFO.version,
        },
        call.rt,
      );
      return { result: out.result as never, error: out.error, report: out.reportPath };
    } finally {
      await store.close().catch(() => undefined);
    }
  },
});

const nodeActivate = defineTool({
  name: 'fleet_node_activate',
  title: 'Put nodes back to work',
  description:
    'Sets drained or paused swarm nodes back to active availability, so the scheduler places tasks on them again.',
  access: 'write',
  input: { hosts: z.string().min(1).describe('hosts of nodes.yml, e.g. "agx-07"') },
  output: { command: z.string(), nodes: rows.optional(), error: z.string().nullable().optional() },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async run(args, call) {
    const { run } = await import('../../../ops/node/availability.js');
    const targets = await call.hosts(args.hosts);
    call.touched(targets.map((t) => t.id));
    return changeResult(call, 'node activate', (managers) =>
      run({ managers, targets, availability: 'active', timeoutMs: 0 }, call.rt),
    );
  },
});

export const WRITE_TOOLS: ToolDef[] = [serviceCreate, serviceScale, stackDeploy, backupCreate, nodeActivate];
