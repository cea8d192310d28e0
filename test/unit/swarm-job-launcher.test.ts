/**
 * The swarm backup job's launcher (src/ops/backup/swarm-job.ts launcherScript) run locally under sh, with
 * a stand-in job in place of remote/swarm-backup-job.sh: the launcher's own protocol (relay the job's
 * state lines, stop at `done`, hold until stdin ends). The real job over SSH is test/e2e/backup*.test.ts.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { launcherScript } from '../../src/ops/backup/swarm-job.js';

/**
 * A job that is slow to start, as on a host at load 20: its first line comes a second after the
 * launcher began polling the state file. Then it reports like the real job and waits for the launcher.
 */
const SLOW_JOB = [
  'sleep 1',
  `printf 'pid %s\\n' "$$" >>"$1/state"`,
  `printf 'locked\\nstopped\\nstarted 0\\narchived 3 abc\\ndone\\n' >>"$1/state"`,
  'while kill -0 "$2" 2>/dev/null; do sleep 0.1; done',
  'rm -rf "$1"',
].join('\n');

const scratch = mkdtempSync(join(tmpdir(), 'fleet-launcher-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function runLauncher(
  job: string,
  env: NodeJS.ProcessEnv = process.env,
  endWhenExists?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('sh', ['-c', launcherScript(job, 60, false)], { stdio: 'pipe', env });
  child.stdin.write('\n');
  // The launcher reads stdin only after its loop, so ending it early never cuts the relay short.
  const watch = endWhenExists
    ? setInterval(() => {
        if (existsSync(endWhenExists)) child.stdin.end();
      }, 100)
    : undefined;
  child.on('close', () => clearInterval(watch));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => {
    stdout += b.toString();
    // fleet ends stdin once it has fetched the archive; here, as soon as the job said done.
    if (/^done$/m.test(stdout)) child.stdin.end();
  });
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('swarm backup job launcher', () => {
  it('waits for a job that starts late instead of ending before it reported done', async () => {
    const r = await runLauncher(SLOW_JOB);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^dir \/var\/tmp\/fleet-swarm-backup\./);
    expect(lines.slice(1).map((l) => l.split(' ')[0])).toEqual([
      'pid',
      'locked',
      'stopped',
      'started',
      'archived',
      'done',
    ]);
    // The job removes its folder once the launcher is gone.
    const dir = lines[0]!.slice(4);
    for (let i = 0; i < 50 && existsSync(dir); i++) await new Promise((s) => setTimeout(s, 100));
    expect(existsSync(dir)).toBe(false);
  });

  it('relays every line when the job writes `done` between the launcher counting and checking', async () => {
    // A `wc` that marks the moment it has counted and then lingers, like a loaded host between the
    // launcher's count and its check for `done`; the job writes its last lines exactly then.
    const bin = join(scratch, 'bin');
    const mark = join(scratch, 'counting');
    mkdirSync(bin);
    const realWc = execFileSync('sh', ['-c', 'command -v wc']).toString().trim();
    writeFileSync(join(bin, 'wc'), `#!/bin/sh\n${realWc} "$@"\n: >"$MARK"\nsleep 0.3\nrm -f "$MARK"\n`);
    chmodSync(join(bin, 'wc'), 0o755);
    const job = [
      `printf 'pid %s\\nlocked\\nstopped\\n' "$$" >>"$1/state"`,
      // A count that may have started before those lines ends; the next one is under way.
      'while [ -e "$MARK" ]; do sleep 0.02; done',
      'until [ -e "$MARK" ]; do sleep 0.02; done',
      `printf 'started 0\\narchived 3 abc\\ndone\\n' >>"$1/state"`,
      ': >"$MARK.written"',
      'while kill -0 "$2" 2>/dev/null; do sleep 0.1; done',
      'rm -rf "$1"',
    ].join('\n');
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, MARK: mark };
    // Like fleet after it gave up waiting: stdin ends once the job has written everything, so a
    // launcher that skipped lines fails the assertion below instead of hanging the test.
    const r = await runLauncher(job, env, `${mark}.written`);
    expect(r.code).toBe(0);
    expect(
      r.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(' ')[0]),
    ).toEqual(['pid', 'locked', 'stopped', 'started', 'archived', 'done']);
  });

  it('reports a job that died without saying done', async () => {
    const r = await runLauncher(`printf 'pid %s\\n' "$$" >>"$1/state"\necho gone-early >&2\nexit 3`);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^died$/m);
    expect(r.stderr).toContain('gone-early');
  });
});
