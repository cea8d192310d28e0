import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildRemoteCommand, killCommand } from '../../src/adapters/ssh/exec.js';
import { backoffDelay } from '../../src/adapters/ssh/pool.js';
import { shJoin, shQuote } from '../../src/adapters/ssh/quote.js';

const execFileP = promisify(execFile);
const nasty = ["it's", '$(id)', '`id`', '"q"', 'a b', '', '*', '\\', '\n', "''", '!x', '-n', 'ünï'];

describe('shQuote', () => {
  it('round-trips every value through a real sh and dash', () => {
    for (const shell of ['sh', 'dash', 'bash']) {
      const out = execFileSync(shell, ['-c', `printf '%s\\0' ${shJoin(nasty)}`]);
      expect(out.toString('utf8').split('\0').slice(0, -1)).toEqual(nasty);
    }
  });
  it('leaves safe words bare and quotes the rest', () => {
    expect(shQuote('agx-01')).toBe('agx-01');
    expect(shQuote("it's")).toBe(`'it'\\''s'`);
    expect(shQuote('')).toBe("''");
  });
});

describe('buildRemoteCommand', () => {
  // Runs the wrapped command the way sshd does: the login shell gets it as `-c`.
  const run = (cmd: string) =>
    spawnSync('setsid', ['bash', '-c', buildRemoteCommand(cmd, 'abc123', 'none')], {
      env: { ...process.env, SHELL: '/bin/bash' },
    });

  it('keeps stdout byte-identical and exit codes, and prefixes stderr with the pgid marker', () => {
    const cmd = `printf 'a\\0b\\n'; echo err >&2; [[ 1 == 1 ]] && echo bashism; exit 7`;
    const plain = spawnSync('bash', ['-c', cmd]);
    const wrapped = run(cmd);
    expect(wrapped.stdout.equals(plain.stdout)).toBe(true);
    expect(wrapped.status).toBe(7);
    const m = /^\0fleet-pgid-abc123:(\d+)\n(.*)$/s.exec(wrapped.stderr.toString('latin1'));
    expect(m?.[2]).toBe('err\n');
    expect(Number(m?.[1])).toBeGreaterThan(1);
  });

  it('starts the login shell once per command, like plain `bash -c` (its start-up file runs once)', () => {
    // BASH_ENV is the start-up file every non-interactive bash runs: it stands in for ~/.bashrc.
    const dir = mkdtempSync(join(tmpdir(), 'fleet-rc-'));
    // Each start says who it was, so a failure shows which process started bash.
    writeFileSync(
      join(dir, 'rc'),
      `echo "start pid=$$ ppid=$PPID cmd=$(tr '\\0' ' ' < /proc/$PPID/cmdline)" >> ${dir}/starts\n`,
    );
    // SHLVL and HOME pinned: at SHLVL < 2 with a socket for stdin (node's child pipes are
    // socketpairs) Debian's bash takes the "started by sshd" path and reads the machine's own
    // ~/.bashrc instead, whose pyenv init starts more bash (a full-suite run counted 12).
    const env = { ...process.env, HOME: dir, SHLVL: '1', SHELL: '/bin/bash', BASH_ENV: join(dir, 'rc') };
    const wrapped = spawnSync('setsid', ['bash', '-c', buildRemoteCommand('echo "$$"', 'abc123', 'none')], {
      env,
    });
    const starts = readFileSync(join(dir, 'starts'), 'utf8');
    expect(
      starts.split('\n').filter((l) => l.startsWith('start ')),
      starts,
    ).toHaveLength(1);
    // And the command ran in that shell: its $$ is the process group the marker names.
    const pid = /^\0fleet-pgid-abc123:(\d+)\n/.exec(wrapped.stderr.toString('latin1'))?.[1];
    expect(wrapped.stdout.toString()).toBe(`${pid}\n`);
    rmSync(dir, { recursive: true });
  });

  it('reports a syntax error on the line plain `bash -c` names, and still prints the marker first', () => {
    const cmd = 'echo one\nif then';
    const plain = spawnSync('bash', ['-c', cmd]).stderr.toString();
    const wrapped = run(cmd).stderr.toString('latin1');
    expect(plain).toContain('line 2');
    expect(wrapped).toMatch(/^\0fleet-pgid-abc123:\d+\n/);
    expect(wrapped.replace(/^\0fleet-pgid-abc123:\d+\n/, '')).toBe(plain);
  });

  it('never puts the sudo password on the command line', () => {
    const cmd = buildRemoteCommand('id -u', 'n1', 'password');
    expect(cmd).toContain("exec sudo -S -p '[fleet-sudo-n1]' sh -c");
    expect(buildRemoteCommand('id -u', 'n1', 'nopassword')).toContain('sudo -n sh -c');
  });

  it('builds a kill command that dash accepts and that ends a whole process group', async () => {
    // A detached child leads its own process group, as the login shell does under sshd.
    const group = spawn('sh', ['-c', 'sleep 30 & sleep 31 & wait'], { detached: true, stdio: 'ignore' });
    const exited = new Promise((resolve) => group.on('exit', resolve));
    await new Promise((r) => setTimeout(r, 200));
    // Async, so this process keeps reaping its child the way sshd does for the remote shell.
    const kill = await execFileP('dash', ['-c', killCommand(group.pid!)]);
    expect(kill.stderr).toBe('');
    await exited;
    const left = spawnSync('ps', ['-o', 'stat=', '-g', String(group.pid)]).stdout.toString();
    expect(left.split('\n').filter((s) => s.trim() !== '' && !s.startsWith('Z'))).toEqual([]);
  });
});

describe('backoffDelay', () => {
  it('doubles per attempt with jitter between half and full, capped at 30 s', () => {
    expect(backoffDelay(1000, 0, () => 0)).toBe(500);
    expect(backoffDelay(1000, 0, () => 1)).toBe(1000);
    expect(backoffDelay(1000, 3, () => 1)).toBe(8000);
    expect(backoffDelay(1000, 10, () => 1)).toBe(30_000);
  });
});
