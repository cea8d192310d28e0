import { describe, expect, it } from 'vitest';
import { locateInventory, resolveSwarmNetwork } from '../../src/core/config.js';
import { FleetError } from '../../src/core/errors.js';
import { parseInventory } from '../../src/core/inventory.js';
import { catchFleetError } from '../helpers/fleet-error.js';

const failure = (fn: () => unknown): FleetError => catchFleetError(fn);

const withDefaults = parseInventory(
  [
    'defaults:',
    '  maxJobs: 8',
    '  sshTimeout: 4',
    '  swarm: { network: { subnet: 10.20.0.0/16 } }',
    '  backup: { target: s3://fleet-backups/swarm, s3: { endpoint: "http://10.0.0.1:9000", region: eu-1 } }',
    'nodes:',
    '  - { id: a, ip: 10.0.0.1 }',
    '',
  ].join('\n'),
  'nodes.yml',
).defaults;

describe('cluster settings', () => {
  it('the overlay network defaults to fleet-network 10.10.0.0/16 attachable, per field', () => {
    expect(resolveSwarmNetwork()).toEqual({
      name: 'fleet-network',
      subnet: '10.10.0.0/16',
      attachable: true,
    });
    expect(resolveSwarmNetwork(withDefaults)).toEqual({
      name: 'fleet-network',
      subnet: '10.20.0.0/16',
      attachable: true,
    });
  });
});

describe('locateInventory: -f, else FLEET_INVENTORY, else ./nodes.yml, else none', () => {
  const files = new Set(['nodes.yml', 'a.yml', 'b.yml']);
  const exists = (p: string) => files.has(p);
  it('picks by precedence', () => {
    expect(locateInventory({ flag: 'a.yml', env: { FLEET_INVENTORY: 'b.yml' }, exists })).toEqual({
      path: 'a.yml',
      source: 'flag',
    });
    expect(locateInventory({ env: { FLEET_INVENTORY: 'b.yml' }, exists })).toEqual({
      path: 'b.yml',
      source: 'env',
    });
    expect(locateInventory({ env: {}, exists })).toEqual({ path: 'nodes.yml', source: 'builtin' });
    expect(locateInventory({ env: {}, exists: () => false })).toBeUndefined();
  });

  it('a named file must exist', () => {
    const f = failure(() => locateInventory({ flag: 'missing.yml', env: {}, exists }));
    expect(f.code).toBe('inventory');
    expect(f.message).toBe('inventory file not found: missing.yml (from -f/--inventory)');
    const e = failure(() => locateInventory({ env: { FLEET_INVENTORY: 'gone.yml' }, exists }));
    expect(e.message).toBe('FLEET_INVENTORY=gone.yml: file not found');
  });
});
