/** src/frontends/cli/target-options.ts + src/runtime/targets.ts: flags -> nodes.yml on disk -> selection -> ~/.ssh/config. */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSshConfig } from '../../src/adapters/ssh/ssh-config.js';
import {
  addTargetOptions,
  resolveTargets,
  type TargetCliOptions,
} from '../../src/frontends/cli/target-options.js';
import type { ResolveContext } from '../../src/runtime/targets.js';
import { FleetError } from '../../src/core/errors.js';
import { InventoryError } from '../../src/core/inventory.js';
import { rejectedFleetError } from '../helpers/fleet-error.js';

const VALID = join(import.meta.dirname, '../../fixtures/inventory/valid.yml');
let dir: string;
let ctx: ResolveContext;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-inv-'));
  copyFileSync(VALID, join(dir, 'site.yml'));
  writeFileSync(join(dir, 'broken.yml'), 'nodes:\n  - id: a\n    ip: 10.0.0.1\n    port: "22x"\n');
  ctx = { cwd: dir, env: {}, homeDir: '/home/me', localUser: 'me', sshConfig: false };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function parseFlags(args: string[]): TargetCliOptions {
  const cmd = addTargetOptions(new Command('t').exitOverride().configureOutput({ writeErr: () => {} }));
  cmd.parse(args, { from: 'user' });
  return cmd.opts<TargetCliOptions>();
}

const failure = (p: Promise<unknown>): Promise<FleetError> => rejectedFleetError(p);

describe('addTargetOptions', () => {
  it('parses -f, repeatable -n/-x, --role and --all', () => {
    expect(
      parseFlags(['-f', 'x.yml', '-n', 'a', '-n', 'b,c', '-x', 'c', '--role', 'worker', '--all']),
    ).toEqual({
      inventory: 'x.yml',
      nodes: ['a', 'b,c'],
      exclude: ['c'],
      role: 'worker',
      all: true,
    });
  });
  it('refuses an unknown role', () => {
    expect(() => parseFlags(['--role', 'boss'])).toThrow(/boss/);
  });
});

describe('resolveTargets', () => {
  it('reads -f, validates and selects', async () => {
    const r = await resolveTargets(
      parseFlags(['-f', 'site.yml', '-n', 'agx-01..03', '-x', 'agx-02']),
      undefined,
      ctx,
    );
    expect(r.inventoryPath).toBe('site.yml');
    expect(r.inventory?.nodes).toHaveLength(6);
    expect(r.hosts.map((h) => h.id)).toEqual(['agx-01', 'agx-03']);
    expect(r.hosts[0]).toMatchObject({
      address: '10.77.2.11',
      user: 'ubuntu',
      identityFiles: [join(dir, 'keys/fleet_ed25519')],
    });
  });

  it('uses FLEET_INVENTORY, then ./nodes.yml', async () => {
    const viaEnv = await resolveTargets({ all: true }, undefined, {
      ...ctx,
      env: { FLEET_INVENTORY: 'site.yml' },
    });
    expect(viaEnv.inventoryPath).toBe('site.yml');
    expect(viaEnv.hosts).toHaveLength(6);

    const sub = mkdtempSync(join(dir, 'cwd-'));
    copyFileSync(VALID, join(sub, 'nodes.yml'));
    const implicit = await resolveTargets({ role: 'manager' }, undefined, { ...ctx, cwd: sub });
    expect(implicit.inventoryPath).toBe('nodes.yml');
    expect(implicit.hosts.map((h) => h.id)).toEqual(['spark']);
  });

  it('without any inventory, -n takes raw hosts', async () => {
    const r = await resolveTargets({ nodes: ['10.77.2.[2-3]'] }, undefined, ctx);
    expect(r.inventory).toBeUndefined();
    expect(r.hosts.map((h) => `${h.user}@${h.address}:${h.port}`)).toEqual([
      'me@10.77.2.2:22',
      'me@10.77.2.3:22',
    ]);
  });

  it('requires a selection', async () => {
    const withInv = await failure(resolveTargets({ inventory: 'site.yml' }, undefined, ctx));
    expect(withInv.message).toBe('no hosts selected: use -n, --role or --all');
    const without = await failure(resolveTargets({}, undefined, ctx));
    expect(without.code).toBe('usage');
    expect(without.message).toBe('no hosts given: use -n HOST[,HOST…]');
  });

  it('defaultToAll takes every node when nothing is selected', async () => {
    const r = await resolveTargets({ inventory: 'site.yml', exclude: ['ws-01'] }, undefined, {
      ...ctx,
      defaultToAll: true,
    });
    expect(r.hosts.map((h) => h.id)).toEqual(['spark', 'agx-01', 'agx-02', 'agx-03', 'pi-01']);
  });

  it('onlyIds replaces -n; ids outside the inventory stay reachable', async () => {
    const r = await resolveTargets(
      { inventory: 'site.yml', nodes: ['spark'] },
      ['agx-02', '10.9.9.9:2222'],
      ctx,
    );
    expect(r.hosts.map((h) => h.id)).toEqual(['agx-02', '10.9.9.9:2222']);
    expect(r.hosts[1]).toMatchObject({ address: '10.9.9.9', port: 2222 });
  });

  it('a missing or invalid file is an inventory error naming it', async () => {
    const missing = await failure(resolveTargets({ inventory: 'nope.yml', all: true }, undefined, ctx));
    expect(missing.message).toBe('inventory file not found: nope.yml (from -f/--inventory)');
    const broken = await failure(resolveTargets({ inventory: 'broken.yml', all: true }, undefined, ctx));
    expect(broken).toBeInstanceOf(InventoryError);
    expect(broken.message).toBe('broken.yml:4:11: nodes[0].port: must be an integer 1-65535 (got "22x")');
  });

  it('unknown names fail before anything runs', async () => {
    const e = await failure(resolveTargets({ inventory: 'site.yml', nodes: ['agx-04'] }, undefined, ctx));
    expect(e.code).toBe('inventory');
    expect(e.message).toBe('-n: unknown host agx-04 (not in site.yml)');
  });

  it('~/.ssh/config fills only what flags and nodes.yml left unset', async () => {
    const sshConfig = parseSshConfig(
      [
        'Host agx-* spark',
        '  User sshcfg',
        '  Port 2200',
        '  IdentityFile ~/.ssh/cfg_key',
        'Host lab-alias',
        '  HostName 10.77.2.50',
        '',
      ].join('\n'),
      '/home/me/.ssh/config',
    );
    const noDefaults = join(dir, 'plain.yml');
    writeFileSync(
      noDefaults,
      'nodes:\n  - { id: agx-01, ip: 10.77.2.11 }\n  - { id: spark, ip: 10.77.2.10, user: admin }\n',
    );
    const r = await resolveTargets({ inventory: 'plain.yml', all: true }, undefined, { ...ctx, sshConfig });
    expect(r.hosts[0]).toMatchObject({
      address: '10.77.2.11',
      user: 'sshcfg',
      port: 2200,
      identityFiles: ['/home/me/.ssh/cfg_key'],
    });
    expect(r.hosts[1]).toMatchObject({ user: 'admin', port: 2200 });

    const raw = await resolveTargets({ nodes: ['lab-alias', 'root@agx-09'] }, undefined, {
      ...ctx,
      sshConfig,
    });
    expect(raw.hosts[0]).toMatchObject({ id: 'lab-alias', address: '10.77.2.50', user: 'me', port: 22 });
    expect(raw.hosts[1]).toMatchObject({ id: 'agx-09', user: 'root', port: 2200 });
  });
});
