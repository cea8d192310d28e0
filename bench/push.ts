/**
 * `npm run bench:push` (FLEET_LAB_SLOT applies): one 50 MB file and a tree of 2,000 small files to 16
 * and to 50 lab hosts (sshd-only light hosts) with `fleet push` (the built CLI, --force so every run
 * sends everything), parallel-scp (pssh), `clush --copy` and pdcp; median of 5 runs, tools rotated
 * each round. A run counts only when every host then has the right sha256 for a sample file. Writes
 * bench/results/push.md: wall and client CPU, client CPU per MB sent, and each against pdcp's in the
 * same rounds. Lab id `bpu`, subnet 24. BENCH_HOSTS (comma-separated counts, default 16,50) and
 * BENCH_RUNS override the host counts and the runs;
 * BENCH_TOOLS (comma-separated names) and BENCH_CASES ('big', 'small') pick a subset.
 * BENCH_OUT=FILE writes the table there instead of bench/results/push.md.
 * BENCH_ONE_THREAD=1 adds `fleet push (1 thread)`: the same CLI with FLEET_PUSH_THREADS=1 (no worker
 * threads), in the same rounds.
 * FLEET_BASELINE=DIR adds `fleet push (baseline)`: the built CLI of another checkout (DIR/bin/fleet.js),
 * measured in the same rounds, for before/after numbers at the same load.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { startLab, type Lab } from '../test/lab/index.js';
import { fmt, median } from './lib/stats.js';
import { ensureGnuTime, measure, type Measurement } from './lib/time.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const HOST_COUNTS = (process.env.BENCH_HOSTS ?? '16,50').split(',').map(Number);
const MAX_HOSTS = Math.max(...HOST_COUNTS);
const SMALL_DIRS = 20;
const SMALL_PER_DIR = 100;
const FANOUT = 16;
const NOTES = '## Notes';
const SRC = join(ROOT, 'bench/tmp/push-src');

interface Case {
  name: string;
  /** The local source (a file or a directory). */
  path: string;
  /** A file below it to check on the hosts, with its sha256. */
  sample: { rel: string; sha256: string };
  /** Bytes of file data sent to each host. */
  bytes: number;
}

interface Tool {
  name: string;
  argv(ips: string[], c: Case, dest: string): string[];
  env?: Record<string, string>;
}

const fleetTool = (name: string, bin: string): Tool => ({
  name,
  argv: (ips, c, dest) => [
    process.execPath,
    bin,
    'push',
    '-n',
    ips.join(','),
    '-c',
    String(FANOUT),
    '--force',
    '--mkdir',
    '--report',
    'bench/tmp/push-report.json',
    c.path,
    `${dest}/`,
  ],
});

const ALL_TOOLS: Tool[] = [
  fleetTool('fleet push', 'bin/fleet.js'),
  ...(process.env.BENCH_ONE_THREAD === '1'
    ? [{ ...fleetTool('fleet push (1 thread)', 'bin/fleet.js'), env: { FLEET_PUSH_THREADS: '1' } }]
    : []),
  ...(process.env.FLEET_BASELINE
    ? [fleetTool('fleet push (baseline)', join(process.env.FLEET_BASELINE, 'bin/fleet.js'))]
    : []),
  {
    name: 'parallel-scp',
    argv: (ips, c, dest) => [
      'parallel-scp',
      '-p',
      String(FANOUT),
      '-l',
      'root',
      '-r',
      '-H',
      ips.join(' '),
      c.path,
      `${dest}/`,
    ],
  },
  {
    name: 'clush --copy',
    argv: (ips, c, dest) => [
      'clush',
      '-f',
      String(FANOUT),
      '-l',
      'root',
      '-w',
      ips.join(','),
      '--copy',
      c.path,
      '--dest',
      `${dest}/`,
    ],
  },
  {
    name: 'pdcp',
    argv: (ips, c, dest) => [
      'pdcp',
      '-R',
      'ssh',
      '-f',
      String(FANOUT),
      '-l',
      'root',
      '-r',
      '-w',
      ips.join(','),
      c.path,
      `${dest}/`,
    ],
  },
];
const picked = process.env.BENCH_TOOLS?.split(',').map((t) => t.trim());
const TOOLS = picked ? ALL_TOOLS.filter((t) => picked.includes(t.name)) : ALL_TOOLS;

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function makeCases(): Case[] {
  rmSync(SRC, { recursive: true, force: true });
  mkdirSync(join(SRC, 'small'), { recursive: true });
  const big = randomBytes(50 * 1024 * 1024);
  writeFileSync(join(SRC, 'big.bin'), big);
  let sample = { rel: '', sha256: '' };
  let smallBytes = 0;
  for (let d = 0; d < SMALL_DIRS; d++) {
    mkdirSync(join(SRC, 'small', `d${d}`));
    for (let f = 0; f < SMALL_PER_DIR; f++) {
      const data = randomBytes(512 + ((d * SMALL_PER_DIR + f) % 4096));
      smallBytes += data.length;
      writeFileSync(join(SRC, 'small', `d${d}`, `f${f}.conf`), data);
      sample = { rel: `small/d${d}/f${f}.conf`, sha256: sha(data) };
    }
  }
  const cases = [
    {
      key: 'big',
      name: '50 MB file',
      path: join(SRC, 'big.bin'),
      sample: { rel: 'big.bin', sha256: sha(big) },
      bytes: big.length,
    },
    {
      key: 'small',
      name: `${(SMALL_DIRS * SMALL_PER_DIR).toLocaleString('en')} small files`,
      path: join(SRC, 'small'),
      sample,
      bytes: smallBytes,
    },
  ];
  const wanted = process.env.BENCH_CASES?.split(',');
  return cases.filter((c) => !wanted || wanted.includes(c.key));
}

/** Every host must have the sample file with the right sha256, or the run is not a result. */
async function check(
  lab: Lab,
  names: string[],
  tool: string,
  m: Measurement,
  dest: string,
  c: Case,
): Promise<string | undefined> {
  if (m.exitCode !== 0) return `${tool}: exit ${m.exitCode}: ${(m.stderr || m.stdout).slice(0, 300)}`;
  for (const name of names) {
    const r = await lab.exec(name, `sha256sum ${dest}/${c.sample.rel} 2>&1 | cut -c1-64; rm -rf ${dest}`);
    if (r.stdout.trim().split('\n')[0] !== c.sample.sha256)
      return `${tool}: ${name} has no correct ${c.sample.rel}`;
  }
  return undefined;
}

interface Row {
  tool: string;
  case: string;
  hosts: number;
  wall: number;
  cpu: number;
  /** Client CPU milliseconds per MB of file data sent (all hosts together). */
  cpuPerMb: number;
  runs: number;
}

const failures: string[] = [];

async function benchCase(lab: Lab, c: Case, count: number): Promise<Row[]> {
  const hosts = lab.hosts.slice(0, count);
  const ips = hosts.map((h) => h.ip);
  const names = hosts.map((h) => h.name);
  const env = { ...process.env, ...lab.env, HOME: lab.home } as Record<string, string>;
  delete env.NO_COLOR;
  const samples = new Map<string, Measurement[]>(TOOLS.map((t) => [t.name, []]));
  for (let run = 0; run < RUNS; run++) {
    const order = TOOLS.map((_, i) => TOOLS[(i + run) % TOOLS.length] as Tool);
    for (const tool of order) {
      const dest = `/srv/bench-${tool.name.replace(/\W+/g, '-')}`;
      // The scp-based tools do not create DEST; fleet does (--mkdir). Same start for everyone.
      await Promise.all(names.map((n) => lab.exec(n, `mkdir -p ${dest}`)));
      const m = await measure(tool.argv(ips, c, dest), {
        env: { ...env, ...tool.env },
        cwd: ROOT,
        timeoutMs: 600_000,
      });
      const problem = await check(lab, names, tool.name, m, dest, c);
      if (problem) {
        failures.push(`${c.name}, ${count} hosts, run ${run + 1}: ${problem}`);
        console.log(`${c.name}  ${count} hosts  run ${run + 1}  ${problem}`);
        continue;
      }
      samples.get(tool.name)?.push(m);
      console.log(
        `${c.name}  ${count} hosts  run ${run + 1}  ${tool.name.padEnd(13)} wall ${fmt(m.wallSeconds)} s  cpu ${fmt(m.cpuSeconds)} s`,
      );
    }
  }
  const mb = (c.bytes * count) / 1e6;
  return TOOLS.map((t) => {
    const ms = samples.get(t.name) ?? [];
    const cpu = median(ms.map((m) => m.cpuSeconds));
    return {
      tool: t.name,
      case: c.name,
      hosts: count,
      wall: median(ms.map((m) => m.wallSeconds)),
      cpu,
      cpuPerMb: (cpu * 1000) / mb,
      runs: ms.length,
    };
  });
}

/** "0.83×" of pdcp's value in the same case and host count (pdcp is the fastest peer so far). */
function vsPdcp(rows: Row[], r: Row, pick: (r: Row) => number): string {
  const ref = rows.find((o) => o.tool === 'pdcp' && o.case === r.case && o.hosts === r.hosts);
  return ref ? `${fmt(pick(r) / pick(ref))}×` : 'n/a';
}

async function main(): Promise<void> {
  await ensureGnuTime();
  await execa('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (!existsSync(join(ROOT, 'bench/tmp'))) mkdirSync(join(ROOT, 'bench/tmp'), { recursive: true });
  const cases = makeCases();
  const loadAtStart = (await execa('cat', ['/proc/loadavg'])).stdout.split(' ').slice(0, 3).join(' ');
  const lab = await startLab({ id: 'bpu', subnet: 24, hosts: [], light: MAX_HOSTS });
  const rows: Row[] = [];
  try {
    for (const count of HOST_COUNTS) for (const c of cases) rows.push(...(await benchCase(lab, c, count)));
  } finally {
    await lab.down();
    rmSync(SRC, { recursive: true, force: true });
  }
  const load = (await execa('cat', ['/proc/loadavg'])).stdout.split(' ').slice(0, 3).join(' ');
  const md = [
    '# bench:push — files to lab hosts',
    '',
    `Generated by \`npm run bench:push\` (bench/push.ts) on ${new Date().toISOString()}, Node ${process.version},`,
    `${(await execa('nproc')).stdout.trim()} CPUs, load average at the start ${loadAtStart}, at the end ${load}. ${HOST_COUNTS.join(' and ')} light lab hosts (sshd only) in`,
    `network namespaces on this machine: the network is ~free, so client and host CPU decide. Every tool`,
    `fans out to ${FANOUT} as root with the lab key; fleet runs with --force (no skipping). Median of ${RUNS}`,
    'runs, tools rotated each round; a run counts only when every host has the sample file with the',
    'right sha256. fleet also reads every file back on the hosts and checks its sha256 (openssl dgst)',
    'and writes a temp name that it renames into place; the scp-based tools do neither.',
    ...(process.env.FLEET_BASELINE
      ? [`\`fleet push (baseline)\` is the built CLI in ${process.env.FLEET_BASELINE}, in the same rounds.`]
      : []),
    '',
    'CPU per MB counts the file data sent to all hosts together; "vs pdcp" divides by pdcp in the same rows.',
    '',
    '| case | hosts | tool | wall s (median) | wall vs pdcp | client CPU s (median) | CPU ms per MB | CPU vs pdcp | good runs |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.case} | ${r.hosts} | ${r.tool} | ${fmt(r.wall)} | ${vsPdcp(rows, r, (o) => o.wall)} | ${fmt(r.cpu)} | ${fmt(r.cpuPerMb)} | ${vsPdcp(rows, r, (o) => o.cpu)} | ${r.runs}/${RUNS} |`,
    ),
    '',
    failures.length
      ? `Failed runs (left out):\n\n${failures.map((f) => `- ${f}`).join('\n')}`
      : 'No failed runs.',
    '',
  ].join('\n');
  // The measured analysis below the table (what the client's CPU goes to, tar against SFTP) is
  // written by hand: a rerun replaces the table and keeps everything from NOTES on.
  const results = fileURLToPath(new URL('./results/push.md', import.meta.url));
  const previous = existsSync(results) ? readFileSync(results, 'utf8') : '';
  const notes = previous.includes(NOTES) ? `\n${previous.slice(previous.indexOf(NOTES))}` : '';
  await writeFile(process.env.BENCH_OUT ?? results, md + notes);
  console.log(md);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
