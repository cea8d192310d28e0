/**
 * remote/cluster-lock.sh run locally under sh (no SSH): the lock protocol itself — held, busy with
 * the holder, released on EOF, on kill -9 and after the idle limit, the job lock, a non-root user.
 * The same script over SSH between two client namespaces is test/e2e/cluster-lock.test.ts.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { holderLine, parseLockReply } from '../../src/core/cluster-lock.js';

const SCRIPT = join(process.cwd(), 'remote', 'cluster-lock.sh');
const base = mkdtempSync(join(tmpdir(), 'fleet-lockscript-'));
chmodSync(base, 0o755);
let n = 0;
const started: ChildProcessWithoutNullStreams[] = [];

function paths(): { dir: string; lock: string; job: string } {
  const dir = join(base, `l${++n}`, 'fleet');
  return { dir, lock: join(dir, 'cluster.lock'), job: join(dir, 'job.lock') };
}

interface Attempt {
  child: ChildProcessWithoutNullStreams;
  /** Resolves with stdout once `held` was printed or the script ended. */
  answer: Promise<string>;
  exited: Promise<number | null>;
}

function attempt(
  p: ReturnType<typeof paths>,
  who: string,
  idle = 30,
  prefix: string[] = [],
  also?: string,
): Attempt {
  const argv = [...prefix, 'sh', SCRIPT, p.dir, p.lock, p.job, String(idle), ...(also ? [also] : [])];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: 'pipe' });
  started.push(child);
  const info = { host: who, user: 'tester', pid: 1, since: '2026-11-30T04:00:00.000Z', command: 'fleet up' };
  child.stdin.write(holderLine(info) + '\n');
  let out = '';
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const answer = new Promise<string>((resolve) => {
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('fleet-lock held')) resolve(out);
    });
    void exited.then(() => resolve(out));
  });
  return { child, answer, exited };
}

afterEach(() => {
  for (const c of started.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('remote/cluster-lock.sh', () => {
  it('holds until stdin ends; meanwhile a second attempt is busy and names the holder', async () => {
    const p = paths();
    const a = attempt(p, 'laptop-a');
    expect(parseLockReply(await a.answer)).toEqual({ state: 'held' });
    expect(statSync(p.dir).mode & 0o7777).toBe(0o1777);

    const b = attempt(p, 'laptop-b');
    const busy = parseLockReply(await b.answer);
    expect(busy).toMatchObject({ state: 'busy', what: 'cluster', holders: [{ host: 'laptop-a' }] });
    expect(await b.exited).toBe(0);

    a.child.stdin.end();
    expect(await a.exited).toBe(0);
    expect(readdirSync(p.dir).filter((f) => f.includes('holder'))).toEqual([]);
    const c = attempt(p, 'laptop-c');
    expect(parseLockReply(await c.answer)).toEqual({ state: 'held' });
  });

  it('is released when the holding shell is killed with SIGKILL and its stdin closes (a dead client)', async () => {
    const p = paths();
    const a = attempt(p, 'laptop-a');
    expect(parseLockReply(await a.answer).state).toBe('held');
    a.child.kill('SIGKILL');
    await a.exited;
    const b = attempt(p, 'laptop-b');
    expect(parseLockReply(await b.answer)).toEqual({ state: 'held' });
    // The dead holder's description is not shown as a holder any more.
    const c = attempt(p, 'laptop-c');
    const busy = parseLockReply(await c.answer);
    expect(busy).toMatchObject({ state: 'busy', holders: [{ host: 'laptop-b' }] });
  });

  it('gives the lock up after IDLE seconds without a heartbeat (a cut link)', async () => {
    const p = paths();
    const a = attempt(p, 'laptop-a', 1);
    expect(parseLockReply(await a.answer).state).toBe('held');
    expect(await a.exited).toBe(0); // no heartbeat was sent
    expect(parseLockReply(await attempt(p, 'laptop-b').answer).state).toBe('held');
  });

  it('keeps holding while heartbeats arrive', async () => {
    const p = paths();
    const a = attempt(p, 'laptop-a', 1);
    expect(parseLockReply(await a.answer).state).toBe('held');
    for (let i = 0; i < 4; i++) {
      a.child.stdin.write('.\n');
      await new Promise((r) => setTimeout(r, 400));
    }
    expect(a.child.exitCode).toBeNull();
    expect(parseLockReply(await attempt(p, 'laptop-b').answer).state).toBe('busy');
  });

  it('refuses while a detached job holds the job lock', async () => {
    const p = paths();
    const first = attempt(p, 'setup');
    await first.answer;
    first.child.stdin.end();
    await first.exited;
    const job = spawn('flock', [p.job, 'sleep', '30'], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 50 && !existsSync(p.job); i++) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 100));
      const busy = parseLockReply(await attempt(p, 'laptop-a').answer);
      expect(busy).toMatchObject({ state: 'busy', what: 'job' });
    } finally {
      job.kill('SIGKILL');
    }
  });

  it('works for a non-root user on a lock file root created (read-only open, own holder file)', async () => {
    const p = paths();
    const a = attempt(p, 'root-run');
    await a.answer;
    a.child.stdin.end();
    await a.exited;
    expect(spawnSync('id', ['-u', 'nobody']).status).toBe(0);
    const b = attempt(p, 'nobody-run', 30, [
      'setpriv',
      '--reuid=nobody',
      '--regid=nogroup',
      '--clear-groups',
    ]);
    expect(parseLockReply(await b.answer)).toEqual({ state: 'held' });
    const c = attempt(p, 'root-again');
    expect(parseLockReply(await c.answer)).toMatchObject({
      state: 'busy',
      holders: [{ host: 'nobody-run' }],
    });
  });

  it('runs the read-only script it is given once held, in the same session, and keeps holding', async () => {
    const p = paths();
    const a = attempt(p, 'laptop-a', 30, [], 'echo arch=x86_64; echo "stdin: $(cat)"; echo oops >&2');
    expect(parseLockReply(await a.answer)).toEqual({ state: 'held' });
    let out = '';
    a.child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (/also-run-end/.test(out)) resolve(clearInterval(check));
      }, 20);
    });
    // Its stdout, then its exit code; no stdin (the heartbeat is the lock's), no stderr.
    expect((await a.answer).replace(/^fleet-lock held\n/, '') + out).toBe(
      'arch=x86_64\nstdin: \nfleet-lock also-run-end 0\n',
    );
    const b = attempt(p, 'laptop-b');
    expect(parseLockReply(await b.answer)).toMatchObject({ state: 'busy', what: 'cluster' });
    a.child.stdin.end();
    expect(await a.exited).toBe(0);

    const failing = attempt(paths(), 'laptop-c', 30, [], 'echo partial; exit 3');
    let failed = '';
    failing.child.stdout.on('data', (b: Buffer) => (failed += b.toString()));
    failing.child.stdin.end();
    await failing.exited;
    expect((await failing.answer) + failed).toMatch(/fleet-lock also-run-end 3\n$/);
  });
});
