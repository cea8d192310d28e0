/**
 * remote/push-probe.sh run on this machine (coreutils, openssl, as on the hosts): what a host already
 * has, read by core/transfer-plan.ts parseRemoteState. Regular files (empty ones too) with their
 * sha256, directories, and nothing for symlinks and missing paths; with openssl and with sha256sum.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRemoteState } from '../../src/core/transfer-plan.js';

const script = readFileSync(join(process.cwd(), 'remote/push-probe.sh'), 'utf8');
const sha = (b: string) => createHash('sha256').update(b).digest('hex');

function pathWithoutOpenssl(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-probe-no-openssl-'));
  for (const from of ['/usr/bin', '/bin']) {
    for (const name of readdirSync(from)) {
      if (name === 'openssl') continue;
      try {
        symlinkSync(join(from, name), join(dir, name));
      } catch {
        // Already linked from /usr/bin (merged /usr).
      }
    }
  }
  return dir;
}

describe.each([
  ['openssl', process.env.PATH ?? '/usr/bin:/bin'],
  ['sha256sum (no openssl)', pathWithoutOpenssl()],
])('remote/push-probe.sh, hashing with %s', (_name, path) => {
  const root = mkdtempSync(join(tmpdir(), 'fleet-probe-'));
  mkdirSync(join(root, 'a dir'));
  writeFileSync(join(root, 'a dir/conf file'), 'x=1\n');
  writeFileSync(join(root, 'empty'), '');
  symlinkSync(join(root, 'empty'), join(root, 'link'));
  const paths = ['a dir', 'a dir/conf file', 'empty', 'link', 'missing', 'a dir/missing'].map((p) =>
    join(root, p),
  );
  const probe = (parent: string, hash: '0' | '1') =>
    spawnSync('sh', ['-c', script, 'fleet-probe', parent, hash], {
      input: `${paths.join('\n')}\n`,
      env: { PATH: path },
      encoding: 'utf8',
    });

  it('lists directories and regular files with their sha256; symlinks and missing paths are absent', () => {
    const r = probe(root, '1');
    expect(r.status, r.stderr).toBe(0);
    const state = parseRemoteState(r.stdout);
    expect([...state.dirs]).toEqual([join(root, 'a dir')]);
    expect(Object.fromEntries(state.sums)).toEqual({
      [join(root, 'a dir/conf file')]: sha('x=1\n'),
      [join(root, 'empty')]: sha(''),
    });
    expect(r.stdout).not.toContain('missing-parent');
  });

  it('hashes nothing with HASH 0 (--force) and names a missing parent', () => {
    const r = probe(join(root, 'nowhere'), '0');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toContain('missing-parent');
    const state = parseRemoteState(r.stdout);
    expect(state.sums.size).toBe(0);
    expect([...state.dirs]).toEqual([join(root, 'a dir')]);
  });
});
