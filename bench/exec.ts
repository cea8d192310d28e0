/**
 * `npm run bench:exec`: `hostname` on 16, 20 and 200 lab hosts with fleet exec (the built CLI), pdsh,
 * clush and parallel-ssh; BENCH_RUNS (default 5) runs each, tools alternating within each round so
 * drift hits all alike. Once per account profile (test/lab/profile.ts; BENCH_PROFILES, default
 * quick,realistic-sleep,realistic): `quick` (no ~/.bashrc), `realistic-sleep` (~/.bashrc sleeps 0.1 s:
 * each real host's own CPU), `realistic` (~/.bashrc burns ~100 ms of CPU on the cores the lab hosts
 * share; 16 and 20 hosts only, 200 × 0.1 s of CPU per run would measure nothing but the 2 cores).
 * Plus the one-host section (exec-one-host.ts). Writes bench/results/exec.md. Lab id `bex`,
 * subnet 20. Run `npm run build` first (done here too).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { startLab, type Lab, type LabProfile } from '../test/lab/index.js';
import { benchOneHost, fleetBinary, oneHostTable, type OneHostRow } from './exec-one-host.js';
import { fmt, median } from './lib/stats.js';
import { ensureGnuTime, measure, type Measurement } from './lib/time.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SIZES = (process.env.BENCH_SIZES ?? '16,20,200').split(',').map(Number);
const PROFILES = (process.env.BENCH_PROFILES ?? 'quick,realistic-sleep,realistic').split(',') as LabProfile[];
const sizesFor = (p: LabProfile): number[] => (p === 'realistic' ? SIZES.filter((s) => s <= 20) : SIZES);
const FANOUT = 64;

interface Tool {
  name: string;
  argv(ips: string[]): string[];
}

const TOOLS: Tool[] = [
  {
    name: 'fleet exec',
    // The single binary, as users run it (fleetBinary: node bin/fleet.js only when none is built).
    argv: (ips) => [
      ...fleetBinary().argv,
      'exec',
      '-n',
      ips.join(','),
      '-c',
      String(FANOUT),
      '--report',
      'bench/tmp/exec-report.json',
      '--',
      'hostname',
    ],
  },
  {
    name: 'pdsh',
    argv: (ips) => ['pdsh', '-R', 'ssh', '-f', String(FANOUT), '-l', 'root', '-w', ips.join(','), 'hostname'],
  },
  {
    name: 'clush',
    argv: (ips) => ['clush', '-f', String(FANOUT), '-l', 'root', '-w', ips.join(','), 'hostname'],
  },
  {
    name: 'parallel-ssh',
    argv: (ips) => [
      'parallel-ssh',
      '-p',
      String(FANOUT),
      '-l',
      'root',
      '-i',
      '-H',
      ips.join(' '),
      'hostname',
    ],
  },
];

/** A run counts only if every host answered with its own name: a fast failure is not a result. */
function check(tool: string, m: Measurement, names: string[]): string | undefined {
  if (m.exitCode !== 0) return `${tool}: exit ${m.exitCode}: ${m.stderr.slice(0, 300)}`;
  const missing = names.filter((n) => !m.stdout.includes(n));
  if (missing.length > 0) return `${tool}: ${missing.length} hosts missing from output (e.g. ${missing[0]})`;
  return undefined;
}

interface Row {
  profile: LabProfile;
  tool: string;
  size: number;
  wall: number;
  cpu: number;
  rss: number;
  runs: number;
}

const failures: string[] = [];

async function benchSize(lab: Lab, size: number): Promise<Row[]> {
  const profile = lab.profile;
  const hosts = lab.hosts.slice(0, size);
  const ips = hosts.map((h) => h.ip);
  const names = hosts.map((h) => h.name);
  const env = { ...process.env, ...lab.env, HOME: lab.home } as Record<string, string>;
  delete env.NO_COLOR;
  const samples = new Map<string, Measurement[]>(TOOLS.map((t) => [t.name, []]));
  for (let run = 0; run < RUNS; run++) {
    // Rotate the order each round so no tool always runs first (cold caches) or last.
    const order = TOOLS.map((_, i) => TOOLS[(i + run) % TOOLS.length] as Tool);
    for (const tool of order) {
      const m = await measure(tool.argv(ips), { env, cwd: ROOT });
      const problem = check(tool.name, m, names);
      if (problem) {
        // A failed run is not a time: keep it out of the medians, but say so in the results.
        failures.push(`${profile}, ${size} hosts, run ${run + 1}: ${problem}`);
        console.log(`${profile} ${String(size).padStart(3)} hosts  run ${run + 1}  ${problem}`);
        continue;
      }
      samples.get(tool.name)?.push(m);
      console.log(
        `${profile} ${String(size).padStart(3)} hosts  run ${run + 1}  ${tool.name.padEnd(12)} wall ${fmt(m.wallSeconds)} s  cpu ${fmt(m.cpuSeconds)} s  rss ${fmt(m.peakRssMb, 0)} MB`,
      );
    }
  }
  return TOOLS.map((t) => {
    const ms = samples.get(t.name) ?? [];
    return {
      profile,
      tool: t.name,
      size,
      wall: median(ms.map((m) => m.wallSeconds)),
      cpu: median(ms.map((m) => m.cpuSeconds)),
      rss: median(ms.map((m) => m.peakRssMb)),
      runs: ms.length,
    };
  });
}

function verdicts(rows: Row[], profile: LabProfile, size: number): string[] {
  const at = rows.filter((r) => r.size === size && r.profile === profile);
  const fleet = at.find((r) => r.tool === 'fleet exec');
  const others = at.filter((r) => r.tool !== 'fleet exec');
  const pdsh = at.find((r) => r.tool === 'pdsh');
  if (!fleet || !pdsh) return [];
  const bestWall = Math.min(...others.map((r) => r.wall));
  const bestTool = others.find((r) => r.wall === bestWall)?.tool ?? '';
  const pass = (ok: boolean) => (ok ? 'pass' : 'MISS');
  const lines = [
    `| ${profile} | ${size} | wall <= best of pdsh/clush/parallel-ssh (${bestTool} ${fmt(bestWall)} s) | ${fmt(fleet.wall)} s | ${pass(fleet.wall <= bestWall)} |`,
    `| ${profile} | ${size} | client CPU <= 1/3 of pdsh (${fmt(pdsh.cpu / 3)} s) | ${fmt(fleet.cpu)} s | ${pass(fleet.cpu <= pdsh.cpu / 3)} |`,
  ];
  if (size === 200)
    lines.push(
      `| ${profile} | ${size} | peak RSS <= 150 MB | ${fmt(fleet.rss, 0)} MB | ${pass(fleet.rss <= 150)} |`,
    );
  return lines;
}

const loadAvg = async (): Promise<string> =>
  (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');

async function main(): Promise<void> {
  await ensureGnuTime();
  await execa('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  // The binary from this very source (a stale one would measure old code).
  await execa('npm', ['run', 'build:binary'], { cwd: ROOT, stdio: 'inherit' });
  const cpuInfo = (await execa('nproc')).stdout.trim();
  const rows: Row[] = [];
  const oneHost = new Map<LabProfile, OneHostRow[]>();
  const loads: string[] = [];
  for (const profile of PROFILES) {
    const sizes = sizesFor(profile);
    const lab = await startLab({ id: 'bex', subnet: 20, hosts: [], light: Math.max(...sizes), profile });
    const before = await loadAvg();
    try {
      oneHost.set(profile, await benchOneHost(lab, Math.max(RUNS, 10)));
      for (const size of sizes) rows.push(...(await benchSize(lab, size)));
    } finally {
      await lab.down();
    }
    loads.push(`${profile}: ${before} at the start, ${await loadAvg()} at the end`);
  }
  const md = [
    '# bench:exec — `hostname` across lab hosts',
    '',
    `Generated by \`npm run bench:exec\` (bench/exec.ts) on ${new Date().toISOString()}, Node ${process.version}, ${cpuInfo} CPUs.`,
    `**Load**: the machine is shared; load average (1/5/15 min) per profile: ${loads.join('; ')}.`,
    `With a load above the ${cpuInfo} CPUs, every tool ran on a loaded machine: compare tools within a`,
    'row group (they alternate within each round), not seconds across runs.',
    '',
    `Lab: light hosts (sshd only) in network namespaces on one machine, so the network is ~free and`,
    `client-side cost dominates. fleet is ${fleetBinary().label}. Every tool fans out to ${FANOUT}, logs in as root with the lab key, and`,
    `checks host keys. Median of ${RUNS} runs, tools rotated each round; a run only counts if every host`,
    `printed its hostname. CPU = user+sys of the tool and all its children (each ssh process for pdsh,`,
    `clush and parallel-ssh). RSS = the largest single process (getrusage), from /usr/bin/time.`,
    '',
    "Account profiles (test/lab/README.md): **quick** = no ~/.bashrc; **realistic-sleep** = root's",
    "~/.bashrc sleeps 0.1 s at every shell start (conda/pyenv init done on each real host's own CPU);",
    '**realistic** = ~/.bashrc burns ~100 ms of CPU, on the 2 cores every lab host shares (the harsh',
    'case: every extra shell start any tool asks for shows up in wall time; 16 and 20 hosts only).',
    '',
    '## One host: single binary vs `ssh host cmd`, and host-side CPU per command',
    '',
    "Host-side CPU = what the host's sshd and everything under it (session sshd, login shell with its",
    "~/.bashrc, the command) used per command, from the listening sshd's reaped-children CPU",
    "(bench/lib/sshd-cpu.ts). The last row sends fleet's pre-issue-10 wrapper",
    '(`printf marker "$$" >&2; exec "$SHELL" -c \'hostname\'`) through ssh: the second login-shell start',
    'it cost is the difference to plain ssh. fleet now sends `printf marker "$$" >&2; hostname`.',
    '',
    ...PROFILES.flatMap((p) => [...oneHostTable(p, oneHost.get(p) ?? []), '']),
    '## Fan-out',
    '',
    '| profile | hosts | tool | wall s (median) | client CPU s (median) | peak RSS MB (median) | good runs |',
    '|---|---:|---|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.profile} | ${r.size} | ${r.tool} | ${fmt(r.wall)} | ${fmt(r.cpu)} | ${fmt(r.rss, 0)} | ${r.runs}/${RUNS} |`,
    ),
    '',
    failures.length
      ? `Failed runs (left out of the medians):\n\n${failures.map((f) => `- ${f}`).join('\n')}`
      : 'No failed runs.',
    '',
    '## Targets',
    '',
    '| profile | hosts | target | fleet | result |',
    '|---|---:|---|---:|---|',
    ...PROFILES.flatMap((p) => sizesFor(p).flatMap((s) => verdicts(rows, p, s))),
    '',
  ].join('\n');
  await writeFile(new URL('./results/exec.md', import.meta.url), md);
  console.log(md);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
