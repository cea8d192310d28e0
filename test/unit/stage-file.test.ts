import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stageFile } from '../../src/adapters/fs/safe-write.js';
import { formatSeconds, waitLines } from '../../src/views/wait.js';

describe('stageFile (pull writes)', () => {
  it('writes beside the target and renames on commit, with mode and mtime; the old file stays until then', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-stage-'));
    const path = join(dir, 'f.txt');
    writeFileSync(path, 'old\n');
    const staged = await stageFile(path);
    await staged.write(Buffer.from('new '));
    await staged.write(Buffer.from('contents\n'));
    expect(readFileSync(path, 'utf8')).toBe('old\n');
    await staged.commit({ mode: 0o640, mtimeSeconds: 1_500_000_000 });
    expect(readFileSync(path, 'utf8')).toBe('new contents\n');
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(statSync(path).mtimeMs).toBe(1_500_000_000_000);
    expect(readdirSync(dir)).toEqual(['f.txt']);
  });

  it('abort leaves the old file and no temp file; a directory in the way is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-stage-'));
    const path = join(dir, 'f.txt');
    writeFileSync(path, 'old\n');
    const staged = await stageFile(path);
    await staged.write(Buffer.from('half'));
    await staged.abort();
    expect(readFileSync(path, 'utf8')).toBe('old\n');
    expect(readdirSync(dir)).toEqual(['f.txt']);
    mkdirSync(join(dir, 'sub'));
    await expect(stageFile(join(dir, 'sub'), { what: 'pulled file' })).rejects.toThrow(
      /pulled file .*sub is a directory/,
    );
  });
});

describe('the wait view lines', () => {
  it('shows the bash module’s lines and footer', () => {
    const rows = [
      { id: 'agx-01', state: 'online' as const, at: 18_000 },
      { id: 'agx-02', state: 'waiting' as const },
      { id: 'agx-03', state: 'online' as const, at: 30_000 },
    ];
    expect(waitLines(rows, 0, 42_000, 300_000, 'online')).toEqual([
      '✓ agx-01 - online (18s)',
      '⏳ agx-02 - waiting (42s)',
      '✓ agx-03 - online (30s)',
      '[2/3] online | elapsed 42s | timeout in 4m18s',
    ]);
    expect(formatSeconds(-5)).toBe('0s');
  });
});
