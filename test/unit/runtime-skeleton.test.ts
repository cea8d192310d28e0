/** The shared pieces of step S: renderTable, scriptedAsker, selectTargets. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { selectTargets } from '../../src/runtime/targets.js';
import { scriptedAsker } from '../../src/runtime/types.js';
import { renderTable } from '../../src/views/table.js';

describe('renderTable', () => {
  it('pads every column but the last to its widest cell, header included, two spaces apart', () => {
    expect(
      renderTable(
        ['HOST', 'ARCH', 'NOTE'],
        [
          ['agx-01', 'arm64', 'ok'],
          ['spark', 'x86_64', ''],
        ],
      ),
    ).toEqual(['HOST    ARCH    NOTE', 'agx-01  arm64   ok', 'spark   x86_64']);
  });
});

describe('scriptedAsker', () => {
  it('answers from its table, records the questions and cannot ask what it has no answer for', async () => {
    const ask = scriptedAsker({ restore: true, down: false });
    expect(ask.canAsk('restore')).toBe(true);
    expect(ask.canAsk('fewer-managers')).toBe(false);
    expect(await ask.confirm({ id: 'restore', question: 'Proceed? [y/N] ', details: ['x'] })).toBe(true);
    expect(await ask.confirm({ id: 'down', question: 'Proceed? [y/N] ' })).toBe(false);
    expect(ask.asked.map((q) => q.id)).toEqual(['restore', 'down']);
  });
});

describe('selectTargets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-select-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, 'nodes.yml'),
    'nodes:\n  - id: agx-01\n    ip: 10.0.0.1\n  - id: agx-02\n    ip: 10.0.0.2\n',
  );
  const ctx = { cwd: dir, env: {}, homeDir: dir, localUser: 'me', sshConfig: false as const };

  it('selects hosts of nodes.yml', async () => {
    const r = await selectTargets({ nodes: ['agx-02'] }, { ...ctx, emptyHint: 'use -n HOSTS or --all' });
    expect(r.hosts.map((h) => h.id)).toEqual(['agx-02']);
    expect(r.inventoryPath).toBe('nodes.yml');
  });

  it('puts -i keys first on every selected host (and checks the file)', async () => {
    const key = join(dir, 'id_test');
    writeFileSync(key, 'not a real key, only checked to be a small regular file\n', { mode: 0o600 });
    const r = await selectTargets(
      { all: true },
      { ...ctx, identity: [key], emptyHint: 'use -n HOSTS or --all' },
    );
    expect(r.hosts.map((h) => h.identityFiles[0])).toEqual([key, key]);
  });
});
