/**
 * Read-only tools (always listed): the cluster's health, nodes, containers and their logs, facts,
 * services and their logs, backups, waiting for hosts, and jobs. Each is a thin wrapper over the
 * operation the CLI runs.
 */
import { z } from 'zod';
import { FleetError } from '../../../core/errors.js';
import { defineTool, type ToolDef } from '../context.js';
import { cutForAgent } from '../truncate.js';
import { STATUS_TOOL } from './status.js';
import { anyObject, backgroundArg, hostsArg, orJob, READ, rows, timeoutArg } from './schemas.js';

const nodeList = defineTool({
  name: 'fleet_node_list',
  title: 'Swarm nodes',
  description:
    'The swarm nodes as the leader sees them (like docker node ls): inventory id, hostname, address, role, leader, state, availability, reachability, engine version, labels, running tasks.',
  access: 'read',
  input: {},
  output: { manager: z.string(), at: z.string(), nodes: rows },
  annotations: READ,
  async run(_args, call) {
    const { run } = await import('../../../ops/node/ls.js');
    const managers = await call.managers();
    const out = await run({ managers, targets: [] }, call.rt);
    return { result: out.result as never, error: out.error, report: out.reportPath };
  },
});

const dockerPs = defineTool({
  name: 'fleet_docker_ps',
  title: 'Containers per host',
  description:
    "The running containers of each host, from each host's own engine, with CPU % and memory like docker stats --no-stream, and the swarm service each belongs to.",
  access: 'read',
  input: { hosts: hostsArg },
  output: { timestamp: z.string(), hosts: rows, containers: rows },
  annotations: READ,
  async run(args, call) {
    const { run } = await import('../../../ops/ps/run.js');
    const hosts = await call.hosts(args.hosts);
    call.touched(hosts.map((h) => h.id));
    return { result: (await run({ hosts, concurrency: call.config.concurrency }, call.rt)) as never };
  },
});

const dockerLogs = defineTool({
  name: 'fleet_docker_logs',
  title: 'Container logs',
  description:
    "The last lines of one container's log on one host (by container name or id, as fleet_docker_ps shows them). At most 256 KiB of lines come back (the newest).",
  access: 'read',
  input: {
    host: z.string().min(1).describe('one host of nodes.yml'),
    container: z.string().min(1).describe('container name or id'),
    tail: z.number().int().min(1).max(10000).optional().describe('lines from the end (default 200)'),
    since_seconds: z.number().int().min(1).optional().describe('only lines of the last N seconds'),
  },
  output: {
    host: z.string(),
    container: z.string(),
    lines: z.array(z.object({ stream: z.enum(['stdout', 'stderr']), line: z.string() })),
    droppedLines: z.number(),
  },
  annotations: READ,
  async run(args, call) {
    const hosts = await call.hosts(args.host);
    if (hosts.length !== 1) {
      throw new FleetError('usage', `host "${args.host}" names ${hosts.length} hosts; name exactly one`);
    }
    call.touched([hosts[0]!.id]);
    const { run } = await import('../../../ops/ps/logs.js');
    const since = args.since_seconds ? Math.floor(Date.now() / 1000) - args.since_seconds : undefined;
    const result = await run({ host: hosts[0]!, container: args.container, tail: args.tail, since }, call.rt);
    return { result: result as never };
  },
});

const facts = defineTool({
  name: 'fleet_node_facts',
  title: 'Host facts',
  description:
    'What each host is: OS, kernel, architecture, CPUs, memory, disks, GPU, device type (DGX Spark, Jetson AGX Xavier, Raspberry Pi…), Docker version and swarm state, clock skew.',
  access: 'read',
  input: { hosts: hostsArg },
  output: { hosts: rows },
  annotations: READ,
  async run(args, call) {
    const { run } = await import('../../../ops/facts/run.js');
    const hosts = await call.hosts(args.hosts);
    call.touched(hosts.map((h) => h.id));
    const result = await run(
      { hosts, concurrency: call.config.concurrency, sudo: call.config.sudo },
      call.rt,
    );
    return { result: { hosts: result } as never };
  },
});

const serviceList = defineTool({
  name: 'fleet_service_list',
  title: 'Swarm services',
  description:
    'The swarm services (like docker service ls): mode, replicas running / desired, image, ports, update state.',
  access: 'read',
  input: {},
  output: { manager: z.string(), at: z.string(), services: rows },
  annotations: READ,
  async run(_args, call) {
    const { runLs } = await import('../../../ops/service/ls.js');
    const out = await runLs({ managers: await call.managers() }, call.rt);
    return { result: out.result as never, error: out.error, report: out.reportPath };
  },
});

const SERVICE_LOG_LIMIT = 64 * 1024;

const serviceLogs = defineTool({
  name: 'fleet_service_logs',
  title: 'Service logs',
  description: `The last lines of every task of a service, each prefixed with task@node (like docker service logs). At most ${SERVICE_LOG_LIMIT / 1024} KiB come back (first and last halves, with a note when cut).`,
  access: 'read',
  input: {
    service: z.string().min(1),
    tail: z
      .number()
      .int()
      .min(1)
      .max(10000)
      .optional()
      .describe('lines from the end of each task (default 100)'),
  },
  output: {
    service: z.string(),
    lines: z.number(),
    text: z.string(),
    truncated: z.boolean(),
    total_bytes: z.number(),
  },
  annotations: READ,
  async run(args, call) {
    const { run } = await import('../../../ops/service/logs.js');
    const kept: string[] = [];
    let bytes = 0;
    let total = 0;
    call.rt.bus.subscribe((e) => {
      if (e.type !== 'host:output') return;
      const line = `${e.host}: ${e.line}\n`;
      total += Buffer.byteLength(line);
      // Bounded: 4× the limit is kept, then cut to the limit (first and last halves).
      if (bytes < SERVICE_LOG_LIMIT * 4) {
        kept.push(line);
        bytes += line.length;
      }
    });
    const result = await run(
      { managers: await call.managers(), service: args.service, tail: args.tail ?? 100 },
      call.rt,
    );
    const cut = cutForAgent(kept.join(''), SERVICE_LOG_LIMIT, total);
    return {
      result: {
        service: result.service,
        lines: result.lines,
        text: cut.text,
        truncated: cut.truncated,
        total_bytes: cut.totalBytes,
      },
    };
  },
});

const backupList = defineTool({
  name: 'fleet_backup_list',
  title: 'Backups',
  description:
    'The backups in the store (./backups, FLEET_BACKUP_TO, or nodes.yml defaults.backup): id, status (complete or why not), time, size, hosts.',
  access: 'read',
  input: {},
  output: { location: z.string(), backups: rows },
  annotations: READ,
  async run(_args, call) {
    const [{ openBackupStore }, { listBackupEntries }] = await Promise.all([
      import('../../../ops/backup/store.js'),
      import('../../../ops/backup/list.js'),
    ]);
    const defaults = (await call.inventory()).defaults.backup;
    const store = await openBackupStore({
      env: call.config.env,
      defaults: { to: defaults?.target, s3: defaults?.s3 },
    });
    try {
      const entries = await listBackupEntries(store);
      const backups = entries.map(({ objects, manifest: _manifest, ...e }) => ({
        ...e,
        objects: objects.length,
      }));
      return { result: { location: store.location, backups } };
    } finally {
      await store.close().catch(() => undefined);
    }
  },
});

const wait = defineTool({
  name: 'fleet_wait',
  title: 'Wait for hosts',
  description:
    'Waits until hosts answer: over SSH, their Docker engine, or as active swarm nodes (after a reboot). Reports per host when it answered or that it timed out.',
  access: 'read',
  input: {
    hosts: hostsArg,
    level: z.enum(['ssh', 'docker', 'swarm']).optional().describe('what must answer (default swarm)'),
    timeout_seconds: timeoutArg('how long to wait', 300),
    background: backgroundArg,
  },
  output: orJob({ level: z.string(), total_devices: z.number(), online: z.number(), hosts: rows }),
  annotations: READ,
  background: true,
  async run(args, call) {
    const { run } = await import('../../../ops/wait/run.js');
    const hosts = await call.hosts(args.hosts);
    call.touched(hosts.map((h) => h.id));
    const out = await run(
      {
        hosts,
        level: args.level ?? 'swarm',
        timeoutMs: (args.timeout_seconds ?? 300) * 1000,
        concurrency: call.config.concurrency,
      },
      call.rt,
    );
    return { result: out.result as never, error: out.error, report: out.reportPath };
  },
});

const jobStatus = defineTool({
  name: 'fleet_job_status',
  title: 'Background job',
  description:
    'The state of a call started with background: true: running (with its latest progress line), ok or error, and its result when done.',
  access: 'read',
  input: { job_id: z.string().min(1) },
  output: {
    id: z.string(),
    tool: z.string(),
    status: z.enum(['running', 'ok', 'error']),
    startedAt: z.string(),
    durationMs: z.number().nullable(),
    progress: z.string().nullable(),
    result: anyObject.nullable(),
    error: z.string().nullable(),
  },
  annotations: READ,
  run(args, call) {
    const job = call.jobs.get(args.job_id);
    if (!job)
      throw new FleetError('usage', `no job ${args.job_id}`, {
        hint: 'jobs live as long as the server; the newest 100 are kept',
      });
    return Promise.resolve({ result: job as never });
  },
});

export const READ_TOOLS: ToolDef[] = [
  STATUS_TOOL,
  nodeList,
  dockerPs,
  dockerLogs,
  facts,
  serviceList,
  serviceLogs,
  backupList,
  wait,
  jobStatus,
];
