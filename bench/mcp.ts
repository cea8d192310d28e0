/**
 * `npm run bench:mcp` (FLEET_LAB_SLOT applies): latency of `fleet mcp` tool calls on 16 lab hosts (a
 * swarm formed with `fleet up`), through the SDK's client over stdio, as an agent sees it:
 * fleet_status, fleet_node_list and fleet_node_exec `hostname`, the first call of a fresh server (SSH
 * connects, module loads, the observer's first round) and warm calls on the same server (the pool
 * reused, fleet_status from the observer), median of BENCH_RUNS servers (default 10).
 * Writes bench/results/mcp.md, with the load average it ran at. Lab `bmcp`, subnet 46.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { startLab } from '../test/lab/index.js';
import { startMcp, textOf } from '../test/e2e/mcp-helpers.js';
import { fmt, median } from './lib/stats.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Math.max(3, Number(process.env.BENCH_RUNS ?? 10));
/** Warm calls per server, right after its first call. */
const WARM_CALLS = 3;
const NAMES = ['spark', ...Array.from({ length: 15 }, (_, i) => `agx-${String(i + 1).padStart(2, '0')}`)];

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

async function main(): Promise<void> {
  await execa('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const lab = await startLab({ id: 'bmcp', subnet: 46, hosts: NAMES.map((name) => ({ name })) });
  const cwd = await mkdtemp(join(tmpdir(), 'fleet-bench-mcp-'));
  const rows: string[] = [];
  try {
    lab.writeInventory(join(cwd, 'nodes.yml'));
    const env = { ...process.env, HOME: lab.home, NO_COLOR: '1' } as Record<string, string>;
    let up = await execa('node', [join(ROOT, 'bin/fleet.js'), 'up'], { cwd, env, reject: false });
    if (up.exitCode !== 0)
      up = await execa('node', [join(ROOT, 'bin/fleet.js'), 'up'], { cwd, env, reject: false });
    if (up.exitCode !== 0) throw new Error(`fleet up failed: ${up.stderr.slice(-500)}`);
    const loadBefore = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
    const args = ['-f', 'nodes.yml', '--allow-write', '--allow-exec', '--exec-allow', 'hostname'];
    const calls: [string, string, Record<string, unknown>][] = [
      ['fleet_status', 'fleet_status', {}],
      ['fleet_node_list', 'fleet_node_list', {}],
      ['fleet_node_exec hostname', 'fleet_node_exec', { command: 'hostname' }],
    ];
    for (const [label, tool, toolArgs] of calls) {
      const first: number[] = [];
      const warm: number[] = [];
      const ages: number[] = [];
      let failed = 0;
      for (let i = 0; i < RUNS; i++) {
        // A fresh server each round for the first call; its warm calls reuse its connections (and,
        // for fleet_status, its cluster observer).
        const server = await startMcp(lab, cwd, args);
        try {
          // A failed call (a host that missed a deadline on a loaded machine) is counted, not timed.
          const f = await timed(() => server.call(tool, toolArgs));
          if (f.value.isError) {
            failed++;
            console.error(`${label} first: ${textOf(f.value).slice(0, 300)}`);
          } else first.push(f.ms);
          for (let w = 0; w < WARM_CALLS; w++) {
            const c = await timed(() => server.call(tool, toolArgs));
            if (c.value.isError) {
              failed++;
              console.error(`${label} warm: ${textOf(c.value).slice(0, 300)}`);
            } else warm.push(c.ms);
            const age = (c.value.structuredContent as { age_ms?: number } | undefined)?.age_ms;
            if (typeof age === 'number') ages.push(age);
          }
        } finally {
          await server.close();
        }
      }
      const age = ages.length > 0 ? ` (answer's age: median ${fmt(median(ages), 0)} ms)` : '';
      rows.push(
        `| ${label} | ${fmt(median(first), 0)} | ${fmt(median(warm), 0)}${age} | ${fmt(Math.min(...warm), 0)} | ${failed} |`,
      );
      console.log(rows.at(-1));
    }
    const loadAfter = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
    const md = `# fleet mcp: tool call latency on 16 lab hosts

\`npm run bench:mcp\`: the SDK's client drives \`fleet mcp\` (the built CLI) over stdio against 16 lab hosts
(spark + agx-01..15, a swarm formed by \`fleet up\`). "first" is the first call of a fresh server (SSH
connections opened, modules loaded; for fleet_status the cluster observer's first round); "warm" the
next ${WARM_CALLS} calls on the same server (the SSH pool reused; fleet_status answered from the observer's newest
round, its age in the result). Milliseconds: first, median of ${RUNS} servers; warm, median of ${RUNS * WARM_CALLS} calls. Load average (1/5/15 min) before: ${loadBefore}; after: ${loadAfter}
(2 cores, shared with other work; the target is warm fleet_status under 300 ms on an idle lab).

| call | first (ms) | warm (ms) | warm, best (ms) | failed calls |
| ---- | ---------: | --------: | --------------: | -----------: |
${rows.join('\n')}
`;
    await writeFile(join(ROOT, 'bench', 'results', 'mcp.md'), md);
    console.log(md);
  } finally {
    await lab.down();
  }
}

await main();
