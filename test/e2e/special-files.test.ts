/**
 * Paths that are not regular files (issue 8 point 17), with the built CLI against one lab host:
 * `--report DIR/null` where DIR/null is a character device made here (mknod c 1 3, the same as
 * /dev/null) must leave it a device; a FIFO nobody reads is refused instead of hanging fleet;
 * `--outdir` files that are devices stay devices; `--accept-new-host-keys` into a known_hosts that is
 * a device leaves it a device; discover -o onto a device writes through it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/index.js';
import { fleet, workDir } from './up-helpers.js';

let lab: Lab;
let cwd: string;

beforeAll(async () => {
  lab = await startLab({ id: 'spec', subnet: 19, hosts: [{ name: 'pi-01', docker: false }] });
  cwd = workDir('special');
  lab.writeInventory(join(cwd, 'nodes.yml'));
});

afterAll(async () => {
  await lab?.down();
});

function device(name: string): string {
  const path = join(cwd, name);
  execFileSync('mknod', [path, 'c', '1', '3']);
  return path;
}

describe('fleet writes onto devices and FIFOs without replacing them', () => {
  it('exec --report DIR/null (a character device) leaves it a device', async () => {
    const dev = device('null');
    const run = await fleet(lab, cwd, ['exec', '-n', 'pi-01', '--report', dev, '--', 'echo', 'hi']);
    expect(run.code, run.stderr).toBe(0);
    expect(statSync(dev).isCharacterDevice()).toBe(true);
    // last-exec.json (for --rerun-failed) is still a regular file with the run in it.
    expect(readFileSync(join(cwd, 'reports', 'last-exec.json'), 'utf8')).toContain('pi-01');
  });

  it('exec --report onto a FIFO without a reader is refused (exit 2), not a hang', async () => {
    const path = join(cwd, 'fifo');
    execFileSync('mkfifo', [path]);
    const run = await fleet(lab, cwd, ['exec', '-n', 'pi-01', '--report', path, '--', 'true']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`report ${path} is a FIFO and has no reader`);
    expect(statSync(path).isFIFO()).toBe(true);
  });

  it('exec --outdir keeps a device that sits where a host file goes', async () => {
    execFileSync('mkdir', [join(cwd, 'out')]);
    const dev = device('out/pi-01.out');
    const run = await fleet(lab, cwd, [
      'exec',
      '-n',
      'pi-01',
      '--outdir',
      join(cwd, 'out'),
      '--',
      'echo',
      'hi',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(statSync(dev).isCharacterDevice()).toBe(true);
  });

  it('--accept-new-host-keys into a known_hosts that is a device leaves it a device', async () => {
    const dev = device('known_hosts');
    const run = await fleet(lab, cwd, [
      'exec',
      '-n',
      'pi-01',
      '--known-hosts',
      dev,
      '--accept-new-host-keys',
      '--report',
      join(cwd, 'kh.json'),
      '--',
      'true',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(statSync(dev).isCharacterDevice()).toBe(true);
  });

  it('discover -o onto a device (with --overwrite) writes through it', async () => {
    const dev = device('draft.yml');
    const run = await fleet(lab, cwd, [
      'discover',
      '--cidr',
      `${lab.host('pi-01').ip}/32`,
      '-o',
      dev,
      '--overwrite',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(statSync(dev).isCharacterDevice()).toBe(true);
  });
});
