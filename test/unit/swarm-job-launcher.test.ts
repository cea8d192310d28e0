/**
 * The swarm backup job's launcher (src/backup/swarm-job.ts launcherScript) run locally under sh, with
 * a stand-in job in place of remote/swarm-backup-job.sh: the launcher's own protocol (relay the job's
 * state lines, stop at `done`, hold until stdin ends). The real job over SSH is test/e2e/backup*.test.ts.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { launcherScript } from '../../src/backup/swarm-job.js';

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

function runLauncher(job: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('sh', ['-c', launcherScript(job, 60, false)], { stdio: 'pipe' });
  child.stdin.write('\n');
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

  it('reports a job that died without saying done', async () => {
    const r = await runLauncher(`printf 'pid %s\\n' "$$" >>"$1/state"\necho gone-early >&2\nexit 3`);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^died$/m);
    expect(r.stderr).toContain('gone-early');
  });
});
