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
    for (const command of ['exec', 'up', 'plan', 'down', 'discover', 'backup', 'restore', 'facts', 'score']) {
      expect(r.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
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
});
