/**
 * bench:exec's one-host section: wall time of one command from the single binary against plain
 * `ssh host cmd` (target: at most ssh + 150 ms, start-up included), and the host-side CPU per command
 * (sshd + login shell + command, see lib/sshd-cpu.ts) of ssh, fleet exec, and fleet's pre-issue-10
 * wrapper sent through ssh (which started the login shell twice).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Lab } from '../test/lab/index.js';
import { sshdCpuSeconds } from './lib/sshd-cpu.js';
import { fmt, median } from './lib/stats.js';
import { measure } from './lib/time.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BINARY = `${ROOT}dist/fleet-linux-x64`;
const OLD_WRAPPER = `printf '\\0fleet-pgid-bench:%s\\n' "$$" >&2; exec "\${SHELL:-/bin/sh}" -c 'hostname'`;
export const ONE_HOST_TARGET_MS = 150;

export interface OneHostRow {
  tool: string;
  wall: number;
  /** Host-side CPU seconds per command. */
  hostCpu: number;
  runs: number;
}

export function fleetBinary(): { argv: string[]; label: string } {
  if (existsSync(BINARY)) return { argv: [BINARY], label: 'dist/fleet-linux-x64' };
  return {
    argv: [process.execPath, `${ROOT}bin/fleet.js`],
    label: 'node bin/fleet.js (no single binary built)',
  };
}

export async function benchOneHost(lab: Lab, runs: number): Promise<OneHostRow[]> {
  const host = lab.hosts[0]!;
  const env = { ...process.env, ...lab.env, HOME: lab.home } as Record<string, string>;
  delete env.NO_COLOR;
  const ssh = ['ssh', '-o', 'BatchMode=yes', '-l', 'root', host.ip];
  const fleet = fleetBinary();
  const tools = [
    { tool: 'ssh host hostname', argv: [...ssh, 'hostname'] },
    {
      tool: `fleet exec (${fleet.label})`,
      argv: [...fleet.argv, 'exec', '-n', host.ip, '--report', 'bench/tmp/one-host.json', '--', 'hostname'],
    },
    { tool: "ssh host '<pre-issue-10 fleet wrapper>'", argv: [...ssh, OLD_WRAPPER] },
  ];
  const rows: OneHostRow[] = [];
  for (const t of tools) {
    await measure(t.argv, { env, cwd: ROOT }); // warm-up: page cache, known_hosts
    const walls: number[] = [];
    const before = await sshdCpuSeconds(host);
    for (let i = 0; i < runs; i++) {
      const m = await measure(t.argv, { env, cwd: ROOT });
      if (m.exitCode !== 0 || !m.stdout.includes(host.name))
        throw new Error(`${t.tool}: exit ${m.exitCode}: ${m.stderr.slice(0, 300)}`);
      walls.push(m.wallSeconds);
    }
    // The session sshd may still be exiting when the client has returned.
    await new Promise((r) => setTimeout(r, 300));
    const hostCpu = ((await sshdCpuSeconds(host)) - before) / runs;
    rows.push({ tool: t.tool, wall: median(walls), hostCpu, runs });
    console.log(
      `one host  ${t.tool.padEnd(44)} wall ${fmt(median(walls))} s  host CPU ${fmt(hostCpu * 1000, 0)} ms`,
    );
  }
  return rows;
}

export function oneHostTable(profile: string, rows: OneHostRow[]): string[] {
  const ssh = rows[0]!;
  const fleet = rows[1]!;
  const pass = fleet.wall <= ssh.wall + ONE_HOST_TARGET_MS / 1000;
  return [
    `| profile | command | wall s (median) | host-side CPU per command, ms (sshd + shell + command) | runs |`,
    '|---|---|---:|---:|---:|',
    ...rows.map(
      (r) => `| ${profile} | ${r.tool} | ${fmt(r.wall)} | ${fmt(r.hostCpu * 1000, 0)} | ${r.runs} |`,
    ),
    '',
    `Target (${profile}): fleet exec on one host <= ssh + ${ONE_HOST_TARGET_MS} ms = ${fmt(ssh.wall + ONE_HOST_TARGET_MS / 1000)} s: ` +
      `${fmt(fleet.wall)} s, **${pass ? 'pass' : 'MISS'}**.`,
  ];
}
