/**
 * The rest of `fleet mcp`'s tools end to end, registered by mcp.test.ts on its lab and server (one
 * lab per file): fleet_status from the cluster observer (its age, fresh: true, never from before a
 * change), a stack deployed from compose text, its logs through fleet_service_logs and
 * fleet_docker_logs, drain and activate (and their refusal without the flag), fleet_wait,
 * fleet_node_facts, fleet_network_scan finding the lab host nodes.yml lacks, the exec report's own
 * last-mcp-exec.json next to the CLI's last-exec.json, and one SSH connection kept across exec calls.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STATUS_MAX_AGE_MS } from '../../src/frontends/mcp/status-source.js';
import type { Lab } from '../lab/index.js';
import { startMcp, structured, textOf, type McpRun } from './mcp-helpers.js';
import { fleet } from './up-helpers.js';

export interface MoreToolsContext {
  lab: Lab;
  cwd: string;
  /** Started with --allow-write --allow-exec --allow-destructive and an allow-list with hostname and echo. */
  full: McpRun;
  /** The hosts of nodes.yml; `spare` is a lab host (sshd only) that nodes.yml does not list. */
  names: string[];
  spare: string;
  image: string;
}

type StatusAnswer = {
  observed_at: string;
  age_ms: number;
  nodes: { name: string; availability: string | null }[];
};

/** A tool the server does not list: the SDK reports it as an error result or a thrown error. */
async function refused(run: McpRun, tool: string, args: Record<string, unknown>): Promise<string> {
  const r = await run.call(tool, args).catch((err: Error) => ({
    isError: true,
    content: [{ type: 'text' as const, text: err.message }],
  }));
  expect(r.isError).toBe(true);
  return textOf(r as never);
}

export function describeMoreTools(get: () => MoreToolsContext): void {
  /** The node's availability as a manager's engine says (whichever host is a manager answers). */
  const availability = async (node: string): Promise<string> => {
    const { lab, names } = get();
    let last = '';
    for (const host of names) {
      const r = await lab.exec(host, `docker node inspect ${node} --format '{{.Spec.Availability}}'`);
      if (r.code === 0) return r.stdout.trim();
      last = r.stderr;
    }
    throw new Error(`no manager answered: ${last}`);
  };

  describe('fleet mcp: observer, stacks, logs, nodes, wait, facts, scan', () => {
    it('fleet_status answers from the observer: its age, warm from the newest round, fresh: true a new one', async () => {
      const { full, names } = get();
      const sentFresh = Date.now();
      const fresh = structured<StatusAnswer>(await full.call('fleet_status', { fresh: true }));
      expect(Date.parse(fresh.observed_at)).toBeGreaterThanOrEqual(sentFresh);
      expect(fresh.nodes.map((n) => n.name).sort()).toEqual([...names].sort());
      const sentWarm = Date.now();
      const warm = structured<StatusAnswer>(await full.call('fleet_status'));
      // A round that had already started: no SSH round trip for this call.
      expect(Date.parse(warm.observed_at)).toBeLessThanOrEqual(sentWarm);
      expect(Date.parse(warm.observed_at)).toBeGreaterThanOrEqual(sentWarm - STATUS_MAX_AGE_MS);
      expect(warm.age_ms).toBeGreaterThanOrEqual(0);
    });

    it('deploys a stack from compose text; its logs come back from the service and the container', async () => {
      const { full, lab, names, image } = get();
      const compose = [
        'services:',
        '  web:',
        `    image: ${image}`,
        `    command: ["sh", "-c", "echo hello-from-stack; trap 'exit 0' TERM; while true; do sleep 1; done"]`,
        '    deploy:',
        '      replicas: 1',
        '',
      ].join('\n');
      const deployed = structured<{ stack: string; services: { name: string; running: number }[] }>(
        await full.call('fleet_stack_deploy', { name: 'app', compose }, { progress: true }),
      );
      expect(deployed.stack).toBe('app');
      expect(deployed.services).toEqual([expect.objectContaining({ name: 'app_web', running: 1 })]);
      let running = 0;
      for (const h of names) {
        const ps = await lab.exec(h, 'docker ps -q --filter label=com.docker.stack.namespace=app | wc -l');
        running += Number(ps.stdout.trim());
      }
      expect(running).toBe(1);

      const logs = structured<{ service: string; text: string; truncated: boolean }>(
        await full.call('fleet_service_logs', { service: 'app_web' }),
      );
      expect(logs.text).toMatch(/app_web\.1\S*@\S+: hello-from-stack\n/);
      expect(logs.truncated).toBe(false);

      const ps = structured<{ containers: { node: string; name: string; service: string | null }[] }>(
        await full.call('fleet_docker_ps'),
      );
      const web = ps.containers.find((c) => c.service === 'app_web');
      expect(web, JSON.stringify(ps.containers)).toBeDefined();
      const container = structured<{ host: string; lines: { stream: string; line: string }[] }>(
        await full.call('fleet_docker_logs', { host: web!.node, container: web!.name }),
      );
      expect(container.host).toBe(web!.node);
      expect(container.lines).toContainEqual({ stream: 'stdout', line: 'hello-from-stack' });
    });

    it('drains a node only with --allow-destructive, activates it only with --allow-write; status follows at once', async () => {
      const { full, lab, cwd } = get();
      const write = await startMcp(lab, cwd, ['-f', 'nodes.yml', '--allow-write']);
      const readOnly = await startMcp(lab, cwd, ['-f', 'nodes.yml']);
      try {
        expect(await refused(write, 'fleet_node_drain', { hosts: 'agx-03' })).toMatch(/fleet_node_drain/);
        expect(await availability('agx-03')).toBe('active');

        const drained = structured<{ nodes: { id: string }[] }>(
          await full.call('fleet_node_drain', { hosts: 'agx-03' }, { progress: true }),
        );
        expect(drained.nodes.map((n) => n.id)).toEqual(['agx-03']);
        expect(await availability('agx-03')).toBe('drain');
        // No round from before the drain answers: the node reads drained without fresh: true.
        const status = structured<StatusAnswer>(await full.call('fleet_status'));
        expect(status.nodes.find((n) => n.name === 'agx-03')?.availability).toBe('drain');

        expect(await refused(readOnly, 'fleet_node_activate', { hosts: 'agx-03' })).toMatch(
          /fleet_node_activate/,
        );
        expect(await availability('agx-03')).toBe('drain');
        const active = await write.call('fleet_node_activate', { hosts: 'agx-03' });
        expect(active.isError, textOf(active)).toBeFalsy();
        expect(await availability('agx-03')).toBe('active');
      } finally {
        await write.close();
        await readOnly.close();
      }
    });

    it('fleet_wait reports hosts online as swarm nodes; fleet_node_facts reads what a host is', async () => {
      const { full, lab } = get();
      const waited = structured<{
        level: string;
        total_devices: number;
        online: number;
        hosts: { id: string; status: string }[];
      }>(await full.call('fleet_wait', { hosts: 'agx-01,agx-02', level: 'swarm', timeout_seconds: 60 }));
      expect(waited).toMatchObject({ level: 'swarm', total_devices: 2, online: 2 });
      expect(waited.hosts.map((h) => [h.id, h.status]).sort()).toEqual([
        ['agx-01', 'online'],
        ['agx-02', 'online'],
      ]);

      const facts = structured<{
        hosts: {
          id: string;
          facts: { hostname: string; arch: string; memoryBytes: number; docker: object };
        }[];
      }>(await full.call('fleet_node_facts', { hosts: 'spark' }));
      const spark = facts.hosts[0]!;
      expect(spark.id).toBe('spark');
      expect(spark.facts.hostname).toBe('spark');
      expect(spark.facts.arch).toBe((await lab.exec('spark', 'uname -m')).stdout.trim());
      expect(spark.facts.memoryBytes).toBeGreaterThan(0);
    });

    it('fleet_network_scan finds the lab host nodes.yml lacks and drafts its entry; refuses a foreign range', async () => {
      const { full, lab, spare } = get();
      const ip = lab.host(spare).ip;
      const octets = ip.split('.').map(Number);
      // A /30 holding the spare host and agx-03 (the bridge's own address stays out of it).
      const range = `${octets.slice(0, 3).join('.')}.${octets[3]! & ~3}/30`;
      const scan = structured<{
        ranges: string[];
        hosts: { ip: string; in_inventory: boolean; swarm_ports: Record<string, boolean> }[];
        draft: string;
      }>(await full.call('fleet_network_scan', { range }));
      expect(scan.ranges).toEqual([range]);
      const found = scan.hosts.find((h) => h.ip === ip);
      expect(found, JSON.stringify(scan.hosts)).toMatchObject({ in_inventory: false });
      expect(found?.swarm_ports).toEqual({ '2377': false, '7946': false });
      expect(scan.draft).toContain(ip);
      // The lab numbers hosts in order: agx-03 (.5) is the spare's (.6) neighbour in that /30.
      const agx03 = lab.host('agx-03').ip;
      expect(scan.hosts.find((h) => h.ip === agx03)).toMatchObject({ in_inventory: true });
      expect(scan.draft).not.toContain(agx03);
      const foreign = await full.call('fleet_network_scan', { range: '192.0.2.0/24' });
      expect(foreign.isError).toBe(true);
      expect(textOf(foreign)).toContain("not inside the inventory's ranges");
    });

    it('keeps one SSH connection per host across exec calls (an exec no longer closes the shared one)', async () => {
      const { full, lab } = get();
      const peers = async (): Promise<string[]> =>
        (await lab.exec('agx-01', "ss -Htn state established '( sport = :22 )'")).stdout
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => l.trim().split(/\s+/)[3] ?? l);
      const first = await full.call('fleet_node_exec', { command: 'hostname', hosts: 'agx-01' });
      expect(first.isError, textOf(first)).toBeFalsy();
      const kept = await peers();
      expect(kept.length).toBeGreaterThan(0);
      for (let i = 0; i < 3; i++) {
        const again = structured<{ hosts: { stdout: string }[] }>(
          await full.call('fleet_node_exec', { command: 'hostname', hosts: 'agx-01' }),
        );
        expect(again.hosts[0]?.stdout).toBe('agx-01\n');
      }
      expect(await peers()).toEqual(expect.arrayContaining(kept));
    });

    it("an MCP exec writes reports/last-mcp-exec.json and leaves the CLI's last-exec.json alone", async () => {
      const { full, lab, cwd } = get();
      const cli = await fleet(lab, cwd, ['exec', '-n', 'agx-01', '--', 'hostname']);
      expect(cli.code, cli.stderr).toBe(0);
      const before = readFileSync(join(cwd, 'reports', 'last-exec.json'), 'utf8');
      const r = await full.call('fleet_node_exec', { command: 'echo mcp-run', hosts: 'agx-02' });
      expect(r.isError, textOf(r)).toBeFalsy();
      expect(readFileSync(join(cwd, 'reports', 'last-exec.json'), 'utf8')).toBe(before);
      const mine = JSON.parse(readFileSync(join(cwd, 'reports', 'last-mcp-exec.json'), 'utf8')) as {
        command: string;
        devices: { id: string; status: string }[];
      };
      expect(mine.command).toBe('echo mcp-run');
      expect(mine.devices.map((d) => [d.id, d.status])).toEqual([['agx-02', 'success']]);
    });
  });
}
