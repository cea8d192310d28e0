/** Local process helpers for the lab: every command the lab runs goes through here. */
import { execa } from 'execa';
import pLimit from 'p-limit';
import type { LabExecResult } from './types.js';

export class LabError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LabError';
  }
}

/** A clean environment for commands inside lab hosts: nothing from the caller's shell leaks in. */
export const HOST_ENV: Record<string, string> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/root',
  LANG: 'C.UTF-8',
  USER: 'root',
};

export interface RunOptions {
  input?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export async function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<LabExecResult> {
  const child = execa(cmd, args, {
    reject: false,
    stripFinalNewline: false,
    input: opts.input,
    stdin: opts.input === undefined ? 'ignore' : undefined,
    env: opts.env,
    extendEnv: opts.env === undefined,
    // Its own process group, so a timeout also ends what nsenter forked inside the host.
    detached: opts.timeoutMs !== undefined,
  });
  let timedOut = false;
  const timer =
    opts.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          try {
            if (child.pid) process.kill(-child.pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }, opts.timeoutMs);
  const r = await child;
  clearTimeout(timer);
  const code = typeof r.exitCode === 'number' ? r.exitCode : r.signal ? 128 : 1;
  const stderr = String(r.stderr ?? '') + (timedOut ? `\nlab: killed after ${opts.timeoutMs} ms\n` : '');
  return { stdout: String(r.stdout ?? ''), stderr, code: timedOut ? 124 : code };
}

/** Runs and throws a LabError naming the command and its stderr when it fails. */
export async function must(cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    const what = [cmd, ...args].join(' ');
    throw new LabError(`lab: \`${what.slice(0, 200)}\` exited ${r.code}: ${r.stderr.trim().slice(0, 500)}`);
  }
  return r.stdout;
}

/** Runs fn over items with at most `limit` in flight; throws the first error once all have settled. */
export async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const gate = pLimit(limit);
  const results = await Promise.allSettled(items.map((item) => gate(() => fn(item))));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until fn returns true or the deadline passes. */
export async function waitFor(
  what: string,
  timeoutMs: number,
  fn: () => Promise<boolean> | boolean,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 10;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > deadline) throw new LabError(`lab: timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(delay);
    delay = Math.min(delay * 2, 200);
  }
}
