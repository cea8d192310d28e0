import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FleetError } from '../../src/core/errors.js';
import { parseInventory } from '../../src/core/inventory.js';
import {
  parseTargetToken,
  selectHosts,
  selectHostsDetailed,
  type HostSelection,
  type SelectOptions,
} from '../../src/core/selectors.js';
import { catchFleetError } from '../helpers/fleet-error.js';

const inv = parseInventory(
  readFileSync(join(import.meta.dirname, '../../fixtures/inventory/valid.yml'), 'utf8'),
  'fixtures/inventory/valid.yml',
);
const opts: SelectOptions = { localUser: 'me', homeDir: '/home/me' };
const ids = (sel: HostSelection, o: SelectOptions = opts) => selectHosts(inv, sel, o).map((h) => h.id);

const failure = (fn: () => unknown): FleetError => catchFleetError(fn);

describe('selectHosts with an inventory', () => {
  it('selects by id, range, bracket and comma list, in inventory order', () => {
    expect(ids({ nodes: ['agx-03,spark'] })).toEqual(['spark', 'agx-03']);
    expect(ids({ nodes: ['agx-01..03'] })).toEqual(['agx-01', 'agx-02', 'agx-03']);
    expect(ids({ nodes: ['agx-[01,03]', 'pi-01'] })).toEqual(['agx-01', 'agx-03', 'pi-01']);
  });

  it('matches names and addresses too', () => {
    expect(ids({ nodes: ['kitchen-pi'] })).toEqual(['pi-01']);
    expect(ids({ nodes: ['10.77.2.[11-12]'] })).toEqual(['agx-01', 'agx-02']);
    expect(ids({ nodes: ['WS-01.lab.example'] })).toEqual(['ws-01']);
  });

  it('selects @type and @group', () => {
    expect(ids({ nodes: ['@jetson-agx-xavier'] })).toEqual(['agx-01', 'agx-02', 'agx-03']);
    expect(ids({ nodes: ['@gpu'] })).toEqual(['spark', 'agx-01', 'agx-02', 'agx-03']);
    expect(ids({ nodes: ['@raspberry-pi,@x86'] })).toEqual(['pi-01', 'ws-01']);
  });

  it('excludes with the same syntax, after everything else', () => {
    expect(ids({ all: true, exclude: ['agx-02'] })).toEqual(['spark', 'agx-01', 'agx-03', 'pi-01', 'ws-01']);
    expect(ids({ nodes: ['@gpu'], exclude: ['@jetson-agx-xavier'] })).toEqual(['spark']);
    expect(ids({ all: true, exclude: ['agx-01..03', 'ws-01'] })).toEqual(['spark', 'pi-01']);
  });

  it('filters by pinned role, alone or with -n', () => {
    expect(ids({ role: 'manager' })).toEqual(['spark']);
    expect(ids({ role: 'worker' })).toEqual(['agx-02', 'pi-01']);
    expect(ids({ nodes: ['@gpu'], role: 'worker' })).toEqual(['agx-02']);
  });

  it('uses assigned roles over pins when given', () => {
    const roles = new Map([
      ['agx-01', 'manager' as const],
      ['spark', 'manager' as const],
    ]);
    expect(ids({ role: 'manager' }, { ...opts, roles })).toEqual(['spark', 'agx-01']);
    expect(selectHosts(inv, { nodes: ['agx-01'] }, { ...opts, roles })[0]?.role).toBe('manager');
  });

  it('--all takes every node', () => {
    expect(ids({ all: true })).toEqual(['spark', 'agx-01', 'agx-02', 'agx-03', 'pi-01', 'ws-01']);
  });

  it('fills HostTarget from the node, then defaults, then built-ins', () => {
    const [spark, pi, ws] = selectHosts(inv, { nodes: ['spark,pi-01,ws-01'] }, opts);
    expect(spark).toEqual({
      id: 'spark',
      address: '10.77.2.10',
      port: 22,
      user: 'ubuntu',
      identityFiles: ['fixtures/inventory/keys/fleet_ed25519'],
      type: 'dgx-spark',
      role: 'manager',
      labels: { storage: 'nvme' },
      groups: ['gpu'],
    });
    expect(pi).toMatchObject({ user: 'pi', name: 'kitchen-pi', role: 'worker' });
    expect(ws).toMatchObject({ port: 2222, identityFiles: ['/home/me/.ssh/ws_key'], name: 'workstation' });
  });

  it('user@ and :port on a name override nodes.yml for that run', () => {
    const [h] = selectHosts(inv, { nodes: ['root@agx-01:2200'] }, opts);
    expect(h).toMatchObject({ id: 'agx-01', address: '10.77.2.11', user: 'root', port: 2200 });
  });

  it('reports which fields were set explicitly, so ~/.ssh/config fills only the rest', () => {
    const noDefaults = parseInventory(
      'nodes:\n  - { id: a, ip: 10.0.0.1 }\n  - { id: b, ip: 10.0.0.2, user: u, port: 2 }\n',
      'n.yml',
    );
    const [a, b] = selectHostsDetailed(noDefaults, { all: true }, opts);
    expect(a?.explicit).toEqual({ address: true, user: false, port: false, identityFiles: false });
    expect(a?.target).toMatchObject({ user: 'me', port: 22, identityFiles: [] });
    expect(b?.explicit).toEqual({ address: true, user: true, port: true, identityFiles: false });
  });

  it('unknown names are an error before anything runs, folded, with suggestions', () => {
    const e = failure(() => selectHosts(inv, { nodes: ['agx-01..05,sprak'] }, opts));
    expect(e.code).toBe('inventory');
    expect(e.message).toBe('-n: unknown hosts agx-[04-05],sprak (not in fixtures/inventory/valid.yml)');
    // agx-04/05 are out of range, not typos: only sprak gets a suggestion.
    expect(e.hint).toMatch(/^did you mean spark\? known: /);
    expect(e.hint).toContain('known: spark,agx-[01-03],pi-01,ws-01');
    expect(e.hint).toContain('ssh://');
  });

  it('unknown @tags and unknown exclusions are errors too', () => {
    const e = failure(() => selectHosts(inv, { nodes: ['@gpus'] }, opts));
    expect(e.message).toBe('-n: unknown host @gpus (not in fixtures/inventory/valid.yml)');
    expect(e.hint).toContain('did you mean @gpu?');
    const x = failure(() => selectHosts(inv, { all: true, exclude: ['agx-09'] }, opts));
    expect(x.message).toMatch(/^-x: unknown host agx-09 /);
  });

  it('ssh:// reaches a machine outside the inventory, with the inventory defaults', () => {
    const hosts = selectHosts(inv, { nodes: ['spark,ssh://10.77.2.99,ssh://admin@10.77.2.98:2022'] }, opts);
    expect(hosts.map((h) => h.id)).toEqual(['spark', '10.77.2.99', '10.77.2.98:2022']);
    expect(hosts[1]).toMatchObject({ address: '10.77.2.99', user: 'ubuntu', port: 22 });
    expect(hosts[2]).toMatchObject({ address: '10.77.2.98', user: 'admin', port: 2022 });
    expect(hosts[1]?.type).toBeUndefined();
  });

  it('an empty result is an error saying why', () => {
    const e = failure(() => selectHosts(inv, { nodes: ['spark'], exclude: ['@gpu'] }, opts));
    expect(e.code).toBe('usage');
    expect(e.message).toBe('no hosts selected: -x left nothing');
    const r = failure(() => selectHosts(inv, { nodes: ['agx-01'], role: 'manager' }, opts));
    expect(r.message).toBe('no hosts selected: --role manager left nothing');
  });

  it('requires a selection', () => {
    const e = failure(() => selectHosts(inv, {}, opts));
    expect(e.code).toBe('usage');
    expect(e.message).toBe('no hosts selected: use -n, --role or --all');
    expect(failure(() => selectHosts(inv, { exclude: ['spark'] }, opts)).message).toBe(
      'no hosts selected: use -n, --role or --all',
    );
  });

  it('refuses a bad role', () => {
    expect(failure(() => selectHosts(inv, { role: 'boss' }, opts)).message).toBe(
      '--role boss: must be manager or worker',
    );
  });

  it('an ambiguous name is an error', () => {
    const twins = parseInventory(
      'nodes:\n  - { id: a, name: gpu-box, ip: 10.0.0.1 }\n  - { id: b, name: gpu-box, ip: 10.0.0.2 }\n',
      'n.yml',
    );
    expect(failure(() => selectHosts(twins, { nodes: ['gpu-box'] }, opts)).message).toBe(
      '"gpu-box" is the name of a,b',
    );
  });
});

describe('selectHosts without an inventory', () => {
  it('takes raw addresses and host names, in the order given', () => {
    const hosts = selectHosts(undefined, { nodes: ['10.77.2.[3-4]', 'agx-01.lab,10.77.2.2'] }, opts);
    expect(hosts.map((h) => h.id)).toEqual(['10.77.2.3', '10.77.2.4', 'agx-01.lab', '10.77.2.2']);
    expect(hosts[0]).toEqual({
      id: '10.77.2.3',
      address: '10.77.2.3',
      port: 22,
      user: 'me',
      identityFiles: [],
    });
  });

  it('takes user@host:port, [v6]:port and bare IPv6', () => {
    const hosts = selectHosts(
      undefined,
      { nodes: ['root@10.0.0.1:2222', '[fe80::1]:2200', 'fe80::2'] },
      opts,
    );
    expect(hosts).toMatchObject([
      { id: '10.0.0.1:2222', address: '10.0.0.1', user: 'root', port: 2222 },
      { id: '[fe80::1]:2200', address: 'fe80::1', port: 2200 },
      { id: 'fe80::2', address: 'fe80::2', port: 22 },
    ]);
  });

  it('excludes raw targets by name or address', () => {
    expect(selectHosts(undefined, { nodes: ['h[1-3]'], exclude: ['h2'] }, opts).map((h) => h.id)).toEqual([
      'h1',
      'h3',
    ]);
  });

  it('marks nothing explicit except what the token carries', () => {
    const [a, b] = selectHostsDetailed(undefined, { nodes: ['a.lab,u@b.lab'] }, opts);
    expect(a?.explicit).toEqual({ address: false, user: false, port: false, identityFiles: false });
    expect(b?.explicit).toEqual({ address: false, user: true, port: false, identityFiles: false });
  });

  it.each([
    [{}, 'no hosts given: use -n HOST[,HOST…]'],
    [{ all: true }, '--all needs an inventory'],
    [{ role: 'manager' }, '--role needs an inventory'],
    [{ nodes: ['@gpu'] }, '-n @gpu: @type and @group need an inventory'],
    [{ nodes: ['bad host!'] }, '-n bad host!: not a host name or address'],
  ] as Array<[HostSelection, string]>)('refuses %j', (sel, message) => {
    const e = failure(() => selectHosts(undefined, sel, opts));
    expect(e.code).toBe('usage');
    expect(e.message).toBe(message);
  });
});

describe('parseTargetToken', () => {
  it.each([
    ['agx-01', { host: 'agx-01', explicit: false }],
    ['root@agx-01', { host: 'agx-01', user: 'root', explicit: false }],
    ['agx-01:2222', { host: 'agx-01', port: 2222, explicit: false }],
    ['ssh://u@h:22', { host: 'h', user: 'u', port: 22, explicit: true }],
    ['ssh://h/', { host: 'h', explicit: true }],
    ['::1', { host: '::1', explicit: false }],
    ['[::1]:2', { host: '::1', port: 2, explicit: false }],
  ])('%s', (token, expected) => {
    expect(parseTargetToken(token)).toEqual(expected);
  });

  it.each(['h:70000', 'h:0', '@h', 'ssh://', 'u@'])('refuses %s', (token) => {
    expect(() => parseTargetToken(token)).toThrow(FleetError);
  });
});
