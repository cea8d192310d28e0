import { describe, expect, it } from 'vitest';
import {
  locateInventory,
  parseBoolean,
  resolveRunSettings,
  resolveSetting,
  resolveSwarmNetwork,
  RUN_SETTINGS,
} from '../../src/core/config.js';
import { FleetError } from '../../src/core/errors.js';
import { parseInventory } from '../../src/core/inventory.js';

function failure(fn: () => unknown): FleetError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FleetError);
    return err as FleetError;
  }
  throw new Error('expected a FleetError');
}

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

describe('precedence: flags > FLEET_* > nodes.yml defaults > built-in', () => {
  const spec = RUN_SETTINGS.maxJobs;
  it('each layer wins over the ones below it', () => {
    expect(resolveSetting(spec, {})).toEqual({ value: 32, source: 'builtin' });
    expect(resolveSetting(spec, { inventoryValue: 8 })).toEqual({ value: 8, source: 'inventory' });
    expect(resolveSetting(spec, { inventoryValue: 8, env: { FLEET_MAX_JOBS: '16' } })).toEqual({
      value: 16,
      source: 'env',
    });
    expect(
      resolveSetting(spec, { flagValue: '4', inventoryValue: 8, env: { FLEET_MAX_JOBS: '16' } }),
    ).toEqual({
      value: 4,
      source: 'flag',
    });
  });

  it('an empty variable counts as unset', () => {
    expect(resolveSetting(spec, { env: { FLEET_MAX_JOBS: '  ' }, inventoryValue: 8 }).value).toBe(8);
  });

  it('a bad variable is an error naming it, even when a lower layer has a value', () => {
    const e = failure(() => resolveSetting(spec, { env: { FLEET_MAX_JOBS: 'abc' }, inventoryValue: 8 }));
    expect(e.code).toBe('usage');
    expect(e.message).toBe('FLEET_MAX_JOBS=abc: must be a positive integer');
    expect(e.hint).toBe('fix or unset FLEET_MAX_JOBS');
  });

  it('a bad flag is an error naming the flag', () => {
    expect(failure(() => resolveSetting(spec, { flagValue: '0' })).message).toBe(
      '--concurrency=0: must be a positive integer',
    );
  });
});

describe('resolveRunSettings', () => {
  it('resolves every knob and says where each came from', () => {
    const r = resolveRunSettings(
      { retryCount: '5' },
      { FLEET_SSH_TIMEOUT: '2.5', FLEET_RETRY_DELAY: '0' },
      withDefaults,
    );
    expect(r).toEqual({
      maxJobs: 8,
      sshTimeout: 2.5,
      retryCount: 5,
      retryDelay: 0,
      sources: { maxJobs: 'inventory', sshTimeout: 'env', retryCount: 'flag', retryDelay: 'env' },
    });
  });

  it('built-in defaults without anything else', () => {
    expect(resolveRunSettings({}, {})).toMatchObject({
      maxJobs: 32,
      sshTimeout: 10,
      retryCount: 2,
      retryDelay: 1,
    });
  });

  it.each([
    ['FLEET_SSH_TIMEOUT', '0', 'FLEET_SSH_TIMEOUT=0: must be a number of seconds greater than 0'],
    ['FLEET_SSH_TIMEOUT', '10s', 'FLEET_SSH_TIMEOUT=10s: must be a number of seconds greater than 0'],
    ['FLEET_RETRY_COUNT', '-1', 'FLEET_RETRY_COUNT=-1: must be a whole number (0 or more)'],
    ['FLEET_RETRY_DELAY', 'soon', 'FLEET_RETRY_DELAY=soon: must be a number of seconds (0 or more)'],
    ['FLEET_MAX_JOBS', '1.5', 'FLEET_MAX_JOBS=1.5: must be a positive integer'],
  ])('%s=%s is refused', (name, value, message) => {
    expect(failure(() => resolveRunSettings({}, { [name]: value })).message).toBe(message);
  });
});

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

  it('parseBoolean', () => {
    expect(parseBoolean('Yes')).toEqual({ value: true });
    expect(parseBoolean('0')).toEqual({ value: false });
    expect(parseBoolean('maybe')).toHaveProperty('error');
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
