/**
 * `fleet mcp` end to end: the SDK's Client drives the built CLI's server over stdio against 4 lab
 * hosts (a swarm formed once by `fleet up`, each engine with the lab's busybox image) and a real S3
 * server: tool lists by flags, status and node list against the engines, exec allowed and refused by
 * the allow-list, a timeout that kills the remote process (checked on the host), 10 MB of output cut
 * with a note, service create + scale converging (containers counted on the engines), a destructive
 * tool refused without its flag, backup to S3 and its listing, the audit log holding every call and
 * no secret, and stdout carrying only JSON-RPC; mcp-more-tools.ts adds the other tools on the same
 * lab and server. Lab id `mcp`, subnet 37 (4 full hosts in nodes.yml, light-001 outside it).
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../src/core/poll.js';
import { startS3Server, type TestS3Server } from '../helpers/s3-server.js';
import { startLab, type Lab } from '../lab/index.js';
import { BIN, startMcp, structured, textOf, type McpRun } from './mcp-helpers.js';
import { describeMoreTools } from './mcp-more-tools.js';
import { fleet, joinTokens, workDir } from './up-helpers.js';

const NAMES = ['spark', 'agx-01', 'agx-02', 'agx-03'];
const IMAGE = 'fleet-lab/busybox:latest';
const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
const ACCESS_KEY = `AKIAMCP${randomBytes(6).toString('hex').toUpperCase()}`;
const SECRET_KEY = randomBytes(30).toString('base64');
const ENV_SECRET = `envsecret-${randomBytes(6).toString('hex')}`;
const ALLOW = ['hostname', 'sleep *', 'seq *', 'echo *'];
const LOOP = 'trap "exit 0" TERM; while true; do sleep 1; done';
let lab: Lab;
let cwd: string;
let s3: TestS3Server;
let full: McpRun;
let binary: string;

/**
 * Built before the lab starts (a synchronous build blocks this process, which serves the S3 server
 * and the lab's helpers), copied alone into a folder with no node_modules: the MCP SDK and zod must
 * be inside the binary.
 */
function buildBinary(): string {
  const build = spawnSync(process.execPath, ['scripts/build-binary.mjs', '--target', 'linux-x64'], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (build.status !== 0) throw new Error(`build:binary failed:\n${build.stdout}\n${build.stderr}`);
  const dir = join(workDir('mcp-bin'), 'only-fleet');
  mkdirSync(dir);
  const path = join(dir, 'fleet');
  copyFileSync(join(process.cwd(), 'dist', 'fleet-linux-x64'), path);
  spawnSync('chmod', ['755', path]);
  return path;
}
const auditFile = (): string => join(cwd, 'reports', 'mcp-audit.jsonl');

async function containersOf(service: string): Promise<number> {
  let total = 0;
  for (const host of NAMES) {
    const r = await lab.exec(
      host,
      `docker ps -q --filter label=com.docker.swarm.service.name=${service} | wc -l`,
    );
    total += Number(r.stdout.trim());
  }
  return total;
}

/** Asks `read` until `ok` holds (core/poll.ts); on timeout, the last value (the assertion names it). */
async function waitFor<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs: number): Promise<T> {
  let last: T | undefined;
  const signal = new AbortController().signal;
  return pollUntil('test condition', async () => ((last = await read()), ok(last) ? last : undefined), {
    timeoutMs,
    signal,
  }).catch(() => last as T);
}

/** Containers stop a moment after their task is marked shut down: ask the engines until they agree. */
const settled = (service: string, want: number): Promise<number> =>
  waitFor(
    () => containersOf(service),
    (n) => n === want,
    30_000,
  );

function serverEnv(): Record<string, string> {
  return {
    FLEET_SSH_PASSWORD: PASSWORD,
    FLEET_BACKUP_TO: 's3://fleet-backups/mcp',
    FLEET_S3_ENDPOINT: s3.endpoint,
    AWS_ACCESS_KEY_ID: ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: SECRET_KEY,
  };
}

const FULL_FLAGS = ['-f', 'nodes.yml', '--allow-write', '--allow-exec', '--allow-destructive'];

beforeAll(async () => {
  binary = buildBinary();
  s3 = await startS3Server(['fleet-backups'], {
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
  });
  // light-001 (sshd only) is not in nodes.yml: fleet_network_scan finds it.
  lab = await startLab({
    id: 'mcp',
    subnet: 37,
    hosts: NAMES.map((name) => ({ name })),
    light: 1,
    password: PASSWORD,
  });
  cwd = workDir('mcp');
  lab.writeInventory(join(cwd, 'nodes.yml'), NAMES);
  await Promise.all(NAMES.map((h) => lab.importImage(h)));
  const up = await fleet(lab, cwd, ['up']);
  expect(up.code, up.stderr).toBe(0);
  await lab.exec('agx-01', 'mkdir -p /etc/fleet && echo node=agx-01 > /etc/fleet/node.conf');
  full = await startMcp(lab, cwd, [...FULL_FLAGS, ...ALLOW.flatMap((p) => ['--exec-allow', p])], {
    env: serverEnv(),
  });
}, 900_000);

afterAll(async () => {
  await full?.close();
  await lab?.down();
  await s3?.dispose();
});

describe('fleet mcp', () => {
  it('lists only the tools its flags allow', async () => {
    const readOnly = await startMcp(lab, cwd, ['-f', 'nodes.yml']);
    const write = await startMcp(lab, cwd, ['-f', 'nodes.yml', '--allow-write']);
    try {
      const names = async (r: McpRun) => (await r.client.listTools()).tools.map((t) => t.name).sort();
      const ro = await names(readOnly);
      const rw = await names(write);
      const all = await names(full);
      expect(ro).toContain('fleet_status');
      expect(ro).toContain('fleet_network_scan');
      expect(ro).not.toContain('fleet_service_create');
      expect(rw).toContain('fleet_service_create');
      expect(rw).toContain('fleet_backup_create');
      expect(rw).not.toContain('fleet_node_exec');
      expect(rw).not.toContain('fleet_service_rm');
      expect(all).toEqual(
        [...new Set([...rw, 'fleet_node_exec', 'fleet_service_rm', 'fleet_node_drain'])].sort(),
      );
      const status = (await readOnly.client.listTools()).tools.find((t) => t.name === 'fleet_status');
      expect(status?.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
      expect(status?.outputSchema?.properties).toHaveProperty('verdict');
    } finally {
      await readOnly.close();
      await write.close();
    }
  });

  it('fleet_status and fleet_node_list match the engines', async () => {
    const status = structured<{
      cluster: { leader: string };
      nodes: { name: string; nodeId: string }[];
      verdict: { healthy: boolean };
    }>(await full.call('fleet_status'));
    expect(status.verdict.healthy).toBe(true);
    expect(status.nodes.map((n) => n.name).sort()).toEqual([...NAMES].sort());
    const ls = await lab.exec(status.cluster.leader, "docker node ls --format '{{.ID}}'");
    expect(ls.code, ls.stderr).toBe(0);
    const ids = ls.stdout.trim().split('\n').sort();
    const list = structured<{ nodes: { id: string; node_id: string; role: string }[] }>(
      await full.call('fleet_node_list'),
    );
    expect(list.nodes.map((n) => n.node_id).sort()).toEqual(ids);
    expect(list.nodes.map((n) => n.id).sort()).toEqual([...NAMES].sort());
  });

  it('fleet_node_exec runs an allowed command and refuses one outside the allow-list', async () => {
    const ok = structured<{ hosts: { id: string; stdout: string; exit_code: number }[] }>(
      await full.call('fleet_node_exec', { command: 'hostname' }),
    );
    expect(ok.hosts.map((h) => [h.id, h.stdout.trim(), h.exit_code]).sort()).toEqual(
      NAMES.map((n) => [n, n, 0]).sort(),
    );
    for (const command of [
      'hostname; rm -rf /',
      'hostname $(rm -rf /)',
      'hostname\nrm -rf /',
      'hostname | sh',
      'rm -rf /',
    ]) {
      const r = await full.call('fleet_node_exec', { command, hosts: 'agx-01' });
      expect(r.isError, command).toBe(true);
      expect(textOf(r)).toContain('command refused');
    }
    expect((await lab.exec('agx-01', 'ls /etc/hostname')).code).toBe(0);
  });

  it('a timeout kills the remote process', async () => {
    const r = await full.call('fleet_node_exec', {
      command: 'sleep 4242',
      hosts: 'agx-02',
      timeout_seconds: 2,
    });
    expect(r.isError).toBe(true);
    const hosts = (r.structuredContent as { hosts: { failure: string }[] }).hosts;
    expect(hosts[0]?.failure).toBe('timeout');
    const before = (await lab.exec('agx-02', 'echo probe')).code;
    expect(before).toBe(0);
    const left = await waitFor(
      async () => (await lab.exec('agx-02', 'pgrep -fx "sleep 4242" || true')).stdout.trim(),
      (out) => out === '',
      15_000,
    );
    expect(left).toBe('');
  });

  it('cuts 10 MB of output to the documented size, with a note naming the full output', async () => {
    const size = Number((await lab.exec('agx-03', 'seq 1450000 | wc -c')).stdout.trim());
    expect(size).toBeGreaterThan(10 * 1024 * 1024);
    const r = structured<{
      hosts: {
        stdout: string;
        truncated: { stdout: { total_bytes: number; shown_bytes: number; full_output: string } };
      }[];
      note: string;
    }>(await full.call('fleet_node_exec', { command: 'seq 1450000', hosts: 'agx-03' }));
    const host = r.hosts[0]!;
    expect(host.truncated.stdout.total_bytes).toBe(size);
    expect(host.truncated.stdout.shown_bytes).toBeLessThanOrEqual(8192);
    expect(Buffer.byteLength(host.stdout)).toBeLessThan(8192 + 100);
    expect(host.stdout.startsWith('1\n2\n3\n')).toBe(true);
    expect(host.stdout.endsWith('1449999\n1450000\n')).toBe(true);
    expect(r.note).toContain(host.truncated.stdout.full_output);
    expect(statSync(join(cwd, host.truncated.stdout.full_output)).size).toBe(size);
  });

  it('creates a service and scales it; the tasks converge on the engines; progress is reported', async () => {
    const created = structured<{ converged: boolean; running: number }>(
      await full.call(
        'fleet_service_create',
        { name: 'web', image: IMAGE, replicas: 2, command: ['sh', '-c', LOOP], env: [`TOKEN=${ENV_SECRET}`] },
        { progress: true },
      ),
    );
    expect(created.converged).toBe(true);
    expect(await settled('web', 2)).toBe(2);
    const scaled = structured<{ converged: boolean; running: number; desired: number }>(
      await full.call('fleet_service_scale', { service: 'web', replicas: 5 }, { progress: true }),
    );
    expect(scaled).toMatchObject({ converged: true, running: 5, desired: 5 });
    expect(await settled('web', 5)).toBe(5);
    expect(full.progress.length).toBeGreaterThan(0);
  });

  it('a destructive tool is refused without --allow-destructive, and works with it', async () => {
    const write = await startMcp(lab, cwd, ['-f', 'nodes.yml', '--allow-write']);
    try {
      const r = await write.call('fleet_service_rm', { service: 'web' }).catch((err: Error) => ({
        isError: true,
        content: [{ type: 'text' as const, text: err.message }],
      }));
      expect(r.isError).toBe(true);
      expect(textOf(r)).toMatch(/fleet_service_rm/);
      expect(await containersOf('web')).toBe(5);
    } finally {
      await write.close();
    }
    const removed = await full.call('fleet_service_rm', { service: 'web' });
    expect(removed.isError, textOf(removed)).toBeFalsy();
    expect(await settled('web', 0)).toBe(0);
  });

  it('backs up to S3 in the background and lists the backup', async () => {
    const started = structured<{ job_id: string }>(
      await full.call('fleet_backup_create', { hosts: 'agx-01', only: ['paths'], background: true }),
    );
    const job = await waitFor(
      async () =>
        structured<{ status: string; result: { backup_id: string } | null; error: string | null }>(
          await full.call('fleet_job_status', { job_id: started.job_id }),
        ),
      (j) => j.status !== 'running',
      120_000,
    );
    expect(job.error).toBeNull();
    expect(job.status).toBe('ok');
    const list = structured<{ backups: { id: string; status: string }[] }>(
      await full.call('fleet_backup_list'),
    );
    expect(list.backups.map((b) => b.id)).toContain(job.result?.backup_id);
  });

  it('the audit log has every call and no secret', async () => {
    const echoed = await full.call('fleet_node_exec', { command: `echo ${PASSWORD}`, hosts: 'spark' });
    expect(textOf(echoed)).not.toContain(PASSWORD);
    const lines = readFileSync(auditFile(), 'utf8').trim().split('\n');
    const entries = lines.map((l) => JSON.parse(l) as { tool: string; outcome: string; hosts: string[] });
    const tools = entries.map((e) => e.tool);
    for (const t of [
      'fleet_status',
      'fleet_node_list',
      'fleet_node_exec',
      'fleet_service_create',
      'fleet_service_scale',
      'fleet_service_rm',
      'fleet_backup_create',
      'fleet_job_status',
      'fleet_backup_list',
    ]) {
      expect(tools).toContain(t);
    }
    expect(entries.filter((e) => e.outcome === 'refused').length).toBeGreaterThanOrEqual(5);
    const text = readFileSync(auditFile(), 'utf8');
    const secrets = [...(await joinTokens(lab, 'spark')), PASSWORD, ACCESS_KEY, SECRET_KEY, ENV_SECRET];
    for (const s of secrets) expect(text).not.toContain(s);
    expect(full.stderr()).not.toContain(PASSWORD);
  });

  it('stdout carries only JSON-RPC messages', async () => {
    const child = spawn(process.execPath, [BIN, 'mcp', ...FULL_FLAGS, '--exec-allow', 'seq *'], {
      cwd,
      env: { ...process.env, HOME: lab.home, ...serverEnv() },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const send = (m: object): boolean => child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...m })}\n`);
    send({
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    });
    send({ method: 'notifications/initialized' });
    send({ id: 2, method: 'tools/list' });
    send({ id: 3, method: 'tools/call', params: { name: 'fleet_node_list', arguments: {} } });
    send({
      id: 4,
      method: 'tools/call',
      params: { name: 'fleet_node_exec', arguments: { command: 'seq 20000' } },
    });
    send({
      id: 5,
      method: 'tools/call',
      params: { name: 'fleet_node_exec', arguments: { command: 'hostname; id' } },
    });
    const ids = await waitFor(
      () => Promise.resolve(out),
      (text) => text.split('\n').filter(Boolean).length >= 5,
      120_000,
    );
    child.stdin.end();
    await new Promise((r) => child.once('close', r));
    const messages = ids
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { jsonrpc: string; id?: number });
    expect(messages.every((m) => m.jsonrpc === '2.0')).toBe(true);
    expect(messages.map((m) => m.id).sort()).toEqual([1, 2, 3, 4, 5]);
  });
});

describeMoreTools(() => ({ lab, cwd, full, names: NAMES, spare: 'light-001', image: IMAGE }));

describe('fleet mcp from the x64 single binary', () => {
  it('lists the tools, reads the status and runs an allowed command', async () => {
    const run = await startMcp(
      lab,
      cwd,
      ['-f', 'nodes.yml', '--allow-write', '--allow-exec', '--exec-allow', 'hostname'],
      {
        command: [binary],
        env: { PATH: '/usr/bin:/bin' },
      },
    );
    try {
      const names = (await run.client.listTools()).tools.map((t) => t.name);
      expect(names).toContain('fleet_node_exec');
      expect(names).not.toContain('fleet_service_rm');
      const status = structured<{ nodes: { name: string }[] }>(await run.call('fleet_status'));
      expect(status.nodes.map((n) => n.name).sort()).toEqual([...NAMES].sort());
      const exec = structured<{ hosts: { id: string; stdout: string }[] }>(
        await run.call('fleet_node_exec', { command: 'hostname', hosts: 'agx-01' }),
      );
      expect(exec.hosts[0]?.stdout.trim()).toBe('agx-01');
      const refused = await run.call('fleet_node_exec', { command: 'hostname && id', hosts: 'agx-01' });
      expect(refused.isError).toBe(true);
    } finally {
      await run.close();
    }
  });
});
