/**
 * Runs a command under GNU time (/usr/bin/time) and returns wall seconds, client CPU seconds
 * (user + sys of the process and every descendant it waited for: pdsh's ssh children count) and
 * peak RSS. Note getrusage's maxrss for children is the largest single process, not the sum: for
 * tools that fork one ssh per host (pdsh, clush, pssh) it understates their total memory.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export const TIME_BIN = '/usr/bin/time';

export interface Measurement {
  wallSeconds: number;
  cpuSeconds: number;
  peakRssMb: number;
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Installs Debian's `time` when missing (the shell builtin cannot report memory). */
export async function ensureGnuTime(): Promise<void> {
  if (existsSync(TIME_BIN)) return;
  await execa('apt-get', ['install', '-y', '--no-install-recommends', 'time'], { stdio: 'inherit' });
}

/** Parses `-f '%e %U %S %M'` output: elapsed, user, sys seconds, max RSS in KiB (last line wins). */
export function parseTimeOutput(text: string): { wall: number; user: number; sys: number; maxRssKb: number } {
  const line = text.trim().split('\n').pop() ?? '';
  const [wall, user, sys, rss] = line.trim().split(/\s+/).map(Number);
  if ([wall, user, sys, rss].some((n) => n === undefined || !Number.isFinite(n))) {
    throw new Error(`cannot parse /usr/bin/time output: ${JSON.stringify(text)}`);
  }
  return { wall: wall as number, user: user as number, sys: sys as number, maxRssKb: rss as number };
}

export async function measure(
  argv: readonly string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<Measurement> {
  const dir = await mkdtemp(join(tmpdir(), 'fleet-bench-'));
  const out = join(dir, 'time.txt');
  try {
    const [cmd, ...args] = argv;
    const started = process.hrtime.bigint();
    const r = await execa(TIME_BIN, ['-f', '%e %U %S %M', '-o', out, cmd as string, ...args], {
      env: options.env,
      cwd: options.cwd,
      reject: false,
      timeout: options.timeoutMs ?? 300_000,
      stdin: 'ignore',
    });
    const wallNs = Number(process.hrtime.bigint() - started);
    const t = parseTimeOutput(await readFile(out, 'utf8'));
    return {
      // GNU time's %e has 10 ms resolution; our own clock is finer and includes the same fork+exec.
      wallSeconds: wallNs / 1e9,
      cpuSeconds: t.user + t.sys,
      peakRssMb: t.maxRssKb / 1024,
      exitCode: r.exitCode ?? -1,
      stdout: String(r.stdout),
      stderr: String(r.stderr),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
