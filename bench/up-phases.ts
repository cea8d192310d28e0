/**
 * `npx tsx bench/up-phases.ts` (FLEET_LAB_SLOT applies): where `fleet up` spends its time forming a
 * swarm on 16 lab hosts (BENCH_SIZES), once per account profile (BENCH_PROFILES, default
 * quick,realistic). The up operation runs in-process as the CLI runs it (session, cluster lock, then
 * ops/swarm/run.ts runSwarm) with a listener that timestamps its events, so preflight splits into
 * its steps: lock (SSH connects + the lock's remote shell), probe (facts.sh and the engine handshake
 * on every host; the connections are the lock's), observe+plan (swarms seen, node list, roles, plan,
 * port checks), then init, tokens, managers, workers, labels, network, verify. Median of BENCH_RUNS
 * (default 3); the swarm is torn down between runs. Prints a table; writes nothing. Lab `bup`, subnet
 * 21 (bench:up's: never run both at once). Node start-up and module loading are not in these
 * numbers (bench:up's wall times have them).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lab, LabProfile } from '../test/lab/index.js';
import { labSsh, labTarget, testRuntime } from '../test/helpers/runtime.js';
import { loadDockerode } from '../src/adapters/docker/dockerode-loader.js';
import { resolveSwarmNetwork } from '../src/core/config.js';
import { lockAlsoRun, runSwarm, type SwarmInput } from '../src/ops/swarm/run.js';
import type { FleetEvent } from '../src/runtime/events.js';
import { fmt, median } from './lib/stats.js';
import { startUpLab, upHostNames } from './lib/up-lab.js';

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const SIZES = (process.env.BENCH_SIZES ?? '16').split(',').map(Number);
const PROFILES = (process.env.BENCH_PROFILES ?? 'quick,realistic').split(',') as LabProfile[];
const COLUMNS = [
  'lock',
  'probe',
  'observe+plan',
  'init',
  'tokens',
  'managers',
  'workers',
  'labels',
  'network',
  'verify',
  'total',
] as const;
type Column = (typeof COLUMNS)[number];

async function teardown(lab: Lab, names: string[]): Promise<void> {
  await Promise.all(
    names.map((h) =>
      lab.exec(h, 'docker swarm leave --force >/dev/null 2>&1 || true', { timeoutMs: 60_000 }),
    ),
  );
}

/** Seconds per column from the events of one run (lock measured around rt.lockCluster). */
function breakdown(events: { at: number; e: FleetEvent }[], lockMs: number): Record<Column, number> {
  const row = Object.fromEntries(COLUMNS.map((c) => [c, 0])) as Record<Column, number>;
  row.lock = lockMs / 1000;
  const preflightStart = events.find((x) => x.e.type === 'phase:start' && x.e.phase === 'preflight')?.at ?? 0;
  const probed = events
    .filter((x) => x.e.type === 'host:state' && x.e.state === 'waiting' && /^docker /.test(x.e.detail ?? ''))
    .map((x) => x.at);
  for (const { e } of events) {
    if (e.type !== 'phase:done') continue;
    const s = e.durationMs / 1000;
    if (e.phase === 'preflight') {
      const probe = probed.length ? (Math.max(...probed) - preflightStart) / 1000 : 0;
      row.probe = probe;
      row['observe+plan'] = s - probe;
    } else if ((COLUMNS as readonly string[]).includes(e.phase)) row[e.phase as Column] = s;
  }
  const done = events.find((x) => x.e.type === 'run:done');
  row.total = row.lock + (done?.e.type === 'run:done' ? done.e.durationMs / 1000 : 0);
  return row;
}

async function oneRun(lab: Lab, names: string[], dir: string): Promise<Record<Column, number>> {
  // The CLI's handshake cap (frontends/cli/ssh-options.ts), not the tests' smaller one.
  const rt = testRuntime({ ssh: { ...labSsh(lab), maxConcurrentHandshakes: 64 }, reportsDir: dir });
  const timed: { at: number; e: FleetEvent }[] = [];
  rt.bus.subscribe((e) => timed.push({ at: Date.now(), e }));
  const hosts = names.map((n) => labTarget(lab, n));
  const input: SwarmInput = {
    command: 'up',
    hosts,
    dryRun: false,
    options: {
      clusterName: 'fleet',
      concurrency: 10,
      force: false,
      yes: false,
      network: { ...resolveSwarmNetwork(undefined), driver: 'overlay' },
      allowEvenManagers: false,
      roleAssignmentsFile: join(dir, 'role_assignments.json'),
      retries: 2,
      retryDelayMs: 1000,
      settleTimeoutMs: 90_000,
    },
  };
  try {
    const t0 = Date.now();
    // As the CLI's up takes it (ops/swarm/run.ts lockAlsoRun: facts.sh runs in the lock's shell).
    await rt.lockCluster(hosts, hosts, {
      command: 'up',
      waitSeconds: 0,
      sudo: false,
      alsoRun: lockAlsoRun('up'),
    });
    const lockMs = Date.now() - t0;
    const { error } = await runSwarm(input, rt);
    if (error) throw new Error(`up failed: ${error.message}`);
    return breakdown(timed, lockMs);
  } finally {
    await rt.close();
  }
}

async function main(): Promise<void> {
  // Loaded once up front, so the first run's probe column does not carry the import (the CLI pays
  // it once per run; bench:up's wall times have it).
  await loadDockerode();
  for (const profile of PROFILES) {
    const lab = await startUpLab(SIZES, profile);
    try {
      for (const size of SIZES) {
        const names = upHostNames(size);
        const dir = await mkdtemp(join(tmpdir(), 'fleet-bench-phases-'));
        const rows: Record<Column, number>[] = [];
        await teardown(lab, names);
        for (let run = 0; run < RUNS; run++) {
          rows.push(await oneRun(lab, names, dir));
          await teardown(lab, names);
          console.log(
            `${profile} ${size} hosts run ${run + 1}: ${COLUMNS.map((c) => `${c} ${fmt(rows.at(-1)![c])}`).join(', ')}`,
          );
        }
        await rm(dir, { recursive: true, force: true });
        console.log(`| profile | hosts | ${COLUMNS.join(' | ')} |`);
        console.log(`|---|---:|${COLUMNS.map(() => '---:').join('|')}|`);
        console.log(
          `| ${profile} | ${size} | ${COLUMNS.map((c) => fmt(median(rows.map((r) => r[c])))).join(' | ')} |`,
        );
      }
    } finally {
      await lab.down();
    }
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
