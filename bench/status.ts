/**
 * `npx tsx bench/status.ts` (FLEET_LAB_SLOT applies): "is my fleet healthy?" on 16 lab hosts (a swarm formed with `fleet up`, a
 * 16-replica service of the lab's busybox image) — `fleet status` as the single binary
 * (dist/fleet-linux-x64, what the target is about) and as the npm entry (node bin/fleet.js), a fresh
 * process each run (metrics from every host + nodes, services and tasks from the leader), next to
 * what a user scripts: `ssh manager docker node ls` followed by a per-host `ssh host uptime` loop.
 * Median of BENCH_RUNS (default 5) runs each, the order rotating; wall and client CPU seconds.
 * Writes bench/results/status.md. Lab `bstat`, subnet 29.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { startLab, type Lab } from '../test/lab/index.js';
import { fmt, median } from './lib/stats.js';
import { ensureGnuTime, measure } from './lib/time.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Math.max(3, Number(process.env.BENCH_RUNS ?? 5));
const NAMES = ['spark', ...Array.from({ length: 15 }, (_, i) => `agx-${String(i + 1).padStart(2, '0')}`)];
const IMAGE = 'fleet-lab/busybox:latest';

const BINARY = join(ROOT, 'dist/fleet-linux-x64');
const TOOLS = [
  'fleet status (single binary)',
  'fleet status (node bin/fleet.js)',
  'ssh docker node ls + uptime loop',
] as const;
type Tool = (typeof TOOLS)[number];

/** The script a user writes: one ssh for the node list, then one per host, one after another. */
function scriptArgv(lab: Lab, manager: string): string[] {
  const ssh = 'ssh -o BatchMode=yes -o ConnectTimeout=10 -l root';
  const loop = NAMES.map((h) => `${ssh} ${lab.host(h).ip} uptime`).join('; ');
  return ['bash', '-c', `set -e; ${ssh} ${lab.host(manager).ip} docker node ls; ${loop}`];
}

async function main(): Promise<void> {
  await ensureGnuTime();
  await execa('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  await execa(process.execPath, ['scripts/build-binary.mjs', '--target', 'linux-x64'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  const lab = await startLab({ id: 'bstat', subnet: 29, hosts: NAMES.map((name) => ({ name })) });
  const cwd = await mkdtemp(join(tmpdir(), 'fleet-bench-status-'));
  const load = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
  const samples = Object.fromEntries(TOOLS.map((t) => [t, [] as number[]])) as Record<Tool, number[]>;
  const cpu = Object.fromEntries(TOOLS.map((t) => [t, [] as number[]])) as Record<Tool, number[]>;
  let screen = '';
  try {
    lab.writeInventory(join(cwd, 'nodes.yml'));
    const env = { ...process.env, ...lab.env, HOME: lab.home, NO_COLOR: '1' } as Record<string, string>;
    // On a loaded machine one host may miss a deadline (exit 4); a second run completes the swarm.
    let up = await execa('node', [join(ROOT, 'bin/fleet.js'), 'up'], { cwd, env, reject: false });
    if (up.exitCode !== 0)
      up = await execa('node', [join(ROOT, 'bin/fleet.js'), 'up'], { cwd, env, reject: false });
    if (up.exitCode !== 0) throw new Error(`fleet up failed: ${up.stderr.slice(-500)}`);
    const report = JSON.parse(await readFile(join(cwd, 'reports', 'last-up.json'), 'utf8')) as {
      topology: { hostname: string; leader: boolean }[];
    };
    const leader = report.topology.find((n) => n.leader)!.hostname;
    await Promise.all(NAMES.map((h) => lab.importImage(h, IMAGE)));
    await lab.exec(
      leader,
      `docker service create --detach --name web --replicas 16 --no-resolve-image ${IMAGE} sleep 86400`,
    );
    for (let i = 0; i < 120; i++) {
      const r = await lab.exec(leader, "docker service ls --filter name=web --format '{{.Replicas}}'");
      if (r.stdout.trim() === '16/16') break;
      await new Promise((res) => setTimeout(res, 1000));
    }
    const argv: Record<Tool, string[]> = {
      'fleet status (single binary)': [BINARY, 'status'],
      'fleet status (node bin/fleet.js)': [process.execPath, join(ROOT, 'bin/fleet.js'), 'status'],
      'ssh docker node ls + uptime loop': scriptArgv(lab, leader),
    };
    for (let run = 0; run < RUNS; run++) {
      // Rotated so that no tool always runs right after the same one.
      const order = TOOLS.map((_, i) => TOOLS[(i + run) % TOOLS.length]!);
      for (const tool of order) {
        const m = await measure(argv[tool], { env, cwd, timeoutMs: 120_000 });
        if (m.exitCode !== 0)
          throw new Error(`${tool} run ${run + 1}: exit ${m.exitCode}: ${m.stderr.slice(-400)}`);
        if (tool === 'fleet status (single binary)') screen = m.stdout;
        samples[tool].push(m.wallSeconds);
        cpu[tool].push(m.cpuSeconds);
        console.log(
          `run ${run + 1}  ${tool.padEnd(34)} wall ${fmt(m.wallSeconds)} s  cpu ${fmt(m.cpuSeconds)} s`,
        );
      }
    }
  } finally {
    await lab.down();
    await rm(cwd, { recursive: true, force: true });
  }
  const cpus = (await execa('nproc')).stdout.trim();
  const md = [
    '# bench:status — "is my fleet healthy?" on 16 hosts',
    '',
    `Generated by \`npx tsx bench/status.ts\` on ${new Date().toISOString()}, Node ${process.version}, ${cpus} CPUs, load average ${load} at the start.`,
    '',
    'Lab `bstat` (10.77.29.0/24): 16 full hosts (OpenSSH + Docker) in network namespaces on one machine,',
    'a swarm formed with `fleet up` (5 managers), a 16-replica service of the lab busybox image.',
    `Median of ${RUNS} runs each, the order rotating. CPU is the client's (user + sys of the process`,
    'and its children); the lab hosts share the same cores, so their sshd, shells and dockerd count in',
    'the wall time too.',
    '',
    '- **fleet status**: a fresh process, as the single binary `dist/fleet-linux-x64` and as the npm',
    '  entry `node bin/fleet.js`: SSH to all 16 hosts at once, engine `/info` (the handshake) and',
    '  remote/host-metrics.sh (two samples 0.1 s apart) on each; nodes, services and tasks from the',
    '  leader as soon as the first manager has answered; the table, verdict and a JSON report.',
    '- **ssh docker node ls + uptime loop**: `ssh leader docker node ls`, then `ssh host uptime` for each',
    '  of the 16 hosts one after another: swarm state and load, no memory/disk/GPU, no services.',
    '',
    '| tool | median s | samples s | median CPU s |',
    '|---|---:|---|---:|',
    ...TOOLS.map(
      (t) =>
        `| ${t} | ${fmt(median(samples[t]))} | ${samples[t].map((v) => fmt(v)).join(', ')} | ${fmt(median(cpu[t]))} |`,
    ),
    '',
    'The last `fleet status` screen:',
    '',
    '```',
    screen.trimEnd(),
    '```',
    '',
  ].join('\n');
  await writeFile(new URL('./results/status.md', import.meta.url), md);
  console.log(md);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
