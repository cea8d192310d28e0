import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

// The built CLI, as users run it (npm test builds first).
const FLEET = new URL('../../bin/fleet.js', import.meta.url).pathname;

describe('fleet CLI basics', () => {
  it('a reader that closes the pipe early (| head -1) is not an error', async () => {
    const r = await execa('sh', ['-c', `node ${FLEET} exec --help | head -1`], {
      reject: false,
    });
    expect(r.stdout.split('\n')[0]).toBe('Usage: fleet exec [options] [command...]');
    expect(r.stderr).not.toMatch(/EPIPE|Error/);
  });

  it('--help lists every command and the exit codes', async () => {
    const r = await execa('node', [FLEET, '--help']);
    for (const command of [
      'exec',
      'up',
      'plan',
      'down',
      'discover',
      'backup',
      'restore',
      'status',
      'ps',
      'facts',
      'score',
    ]) {
      expect(r.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
    expect(r.stdout).toMatch(/^ {2}10 +degraded \(status\)/m);
    expect(r.stdout).toMatch(/^ {2}130 +interrupted/m);
  });

  it('up, plan and down each list only the options they use', async () => {
    const help = async (command: string) => (await execa('node', [FLEET, command, '--help'])).stdout;
    const [up, plan, down] = await Promise.all([help('up'), help('plan'), help('down')]);
    for (const flag of ['--managers', '--allow-even-managers', '--yes', '--force', '--role-assignments'])
      expect(up).toContain(flag);
    for (const flag of ['--yes', '--settle-timeout', '--role-assignments', '--concurrency'])
      expect(plan).not.toContain(flag);
    expect(plan).toContain('--managers');
    for (const flag of ['--managers', '--allow-even-managers', '--role-assignments'])
      expect(down).not.toContain(flag);
    expect(down).not.toMatch(/moves? hosts .* into this one/);
    expect(down).toMatch(/--force +also make hosts in another swarm leave it/);
    const unknown = await execa('node', [FLEET, 'plan', '--yes'], { reject: false });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option '--yes'/);
  });

  it('exec --max-output refuses what is not a size, exit 2', async () => {
    const r = await execa('node', [FLEET, 'exec', '--max-output', 'lots', '-n', 'x', '--', 'true'], {
      reject: false,
    });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--max-output must be a size like 1048576, 512K, 4M or 1G, got "lots"/);
  });

  it('an unknown command or option is a usage error, exit 2', async () => {
    const r = await execa('node', [FLEET, 'exce'], { reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'exce'/);
    const o = await execa('node', [FLEET, 'exec', '--bogus', '-n', 'x', '--', 'true'], { reject: false });
    expect(o.exitCode).toBe(2);
    expect(o.stderr).toMatch(/unknown option '--bogus'/);
  });

  it('a device or a FIFO as key file, an alias bomb or deep nesting in nodes.yml: exit 2 naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-cli-limits-'));
    try {
      const fifo = join(dir, 'key.fifo');
      execFileSync('mkfifo', [fifo]);
      // Before the fix: /dev/zero was read until memory ran out, a FIFO waited for a writer forever.
      for (const key of ['/dev/zero', fifo]) {
        const r = await execa('node', [FLEET, 'exec', '-n', 'ssh://127.0.0.1:1', '-i', key, '--', 'true'], {
          reject: false,
          timeout: 20_000,
        });
        expect(r.exitCode).toBe(2);
        expect(r.stderr).toMatch(new RegExp(`^fleet: identity file ${key} is a (character device|FIFO)`));
      }
      const bomb = join(dir, 'bomb.yml');
      const levels = ['a0: &a0 [x, x, x, x, x, x, x, x, x]'];
      for (let i = 1; i < 9; i++)
        levels.push(
          `a${i}: &a${i} [${Array(9)
            .fill(`*a${i - 1}`)
            .join(', ')}]`,
        );
      writeFileSync(bomb, `${levels.join('\n')}\nnodes:\n  - id: a\n    ip: 10.0.0.1\n`);
      const deep = join(dir, 'deep.yml');
      writeFileSync(deep, `nodes:\n  - id: a\n    ip: 10.0.0.1\nz: ${'['.repeat(3000)}${']'.repeat(3000)}\n`);
      for (const [file, words] of [
        [bomb, 'aliases (*name) expand to too many nodes'],
        [deep, 'nested deeper than 64 levels'],
      ] as const) {
        const r = await execa('node', [FLEET, 'plan', '-f', file, '--all'], {
          reject: false,
          timeout: 20_000,
        });
        expect(r.exitCode).toBe(2);
        expect(r.stderr).toContain(`fleet: ${file}:`);
        expect(r.stderr).toContain(words);
        expect(r.stderr).not.toContain('bug in fleet');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
