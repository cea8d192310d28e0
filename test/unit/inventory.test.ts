import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/core/errors.js';
import { checkInventory, formatIssue, InventoryError, parseInventory } from '../../src/core/inventory.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/inventory');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

/** The issue lines exactly as the user sees them. */
function lines(name: string): string[] {
  const { inventory, issues } = checkInventory(fixture(name), `nodes.yml`);
  expect(inventory).toBeUndefined();
  return issues.map(formatIssue);
}

describe('nodes.yml errors name file:line:column, the field, what was expected and what was found', () => {
  it('bad ports', () => {
    expect(lines('bad-port.yml')).toEqual([
      'nodes.yml:8:11: nodes[1].port: must be an integer 1-65535 (got "22x")',
      'nodes.yml:11:11: nodes[2].port: must be an integer 1-65535 (got 70000)',
    ]);
  });

  it('unknown keys, with a did-you-mean when one is close', () => {
    expect(lines('unknown-key.yml')).toEqual([
      'nodes.yml:2:3: defaults.usr: unknown field (did you mean "user"?)',
      'nodes.yml:6:5: nodes[0].prot: unknown field (did you mean "port"?)',
      'nodes.yml:7:5: nodes[1]: missing required field "ip"',
      'nodes.yml:8:5: nodes[1].address: unknown field (did you mean "ip"?)',
      `nodes.yml:10:7: nodes[1].labels: key "bad key" must use only letters, digits, '.', '_', '-' and '/', starting and ending with a letter or digit`,
    ]);
  });

  it('duplicate ids and addresses name both lines', () => {
    expect(lines('duplicates.yml')).toEqual([
      'nodes.yml:6:9: nodes[2].id: duplicate id "agx-01" (also nodes[0] at line 2)',
      'nodes.yml:9:9: nodes[3].ip: duplicate address "10.0.0.2" (also nodes[1] at line 5)',
    ]);
  });

  it('credentials are refused wherever they appear, with where they belong instead', () => {
    const { issues } = checkInventory(fixture('credentials.yml'), 'nodes.yml');
    expect(issues.map(formatIssue)).toEqual([
      'nodes.yml:3:3: defaults.password: credentials are not allowed in nodes.yml; remove this key',
      'nodes.yml:8:7: defaults.backup.s3.secretAccessKey: credentials are not allowed in nodes.yml; remove this key',
      'nodes.yml:13:7: nodes[0].labels.api-token: credentials are not allowed in nodes.yml; remove this key',
    ]);
    expect(issues[1]?.hint).toContain('AWS_SECRET_ACCESS_KEY');
    // The secret values themselves are never echoed back.
    const text = issues.map((i) => formatIssue(i) + (i.hint ?? '')).join('\n');
    for (const secret of ['hunter2', 'abc', 'xyz']) expect(text).not.toContain(secret);
  });

  it('wrong values everywhere in the file', () => {
    expect(lines('bad-values.yml')).toEqual([
      'nodes.yml:3:15: defaults.swarm.managers: must be an integer >= 1 (got 0)',
      'nodes.yml:5:15: defaults.swarm.network.subnet: must be an IPv4 subnet in CIDR form like 10.10.0.0/16 (got "10.10.0.0/33")',
      'nodes.yml:8:17: defaults.backup.s3.endpoint: must be an http:// or https:// URL (got "minio:9000")',
      'nodes.yml:9:23: defaults.backup.s3.forcePathStyle: must be true or false (got "maybe")',
      'nodes.yml:12:9: nodes[0].ip: must be an IPv4/IPv6 address or a DNS name (got "10.0.0.300")',
      'nodes.yml:13:11: nodes[0].role: must be one of manager, worker, control-plane (got "boss")',
      `nodes.yml:14:9: nodes[1].id: must start with a letter or digit and use only letters, digits, '.', '_' and '-' (got "agx 01")`,
      'nodes.yml:16:14: nodes[1].groups: "gpu" is listed twice',
      'nodes.yml:17:5: nodes[2]: missing required field "id"',
      'nodes.yml:17:5: nodes[2]: missing required field "ip"',
    ]);
  });

  it('YAML syntax errors keep their position', () => {
    expect(lines('bad-yaml.yml')).toEqual(['nodes.yml:4:1: YAML: Sequence item without - indicator']);
    expect(lines('duplicate-key.yml')).toEqual([
      'nodes.yml:4:5: YAML: duplicate key "ip" in the same mapping',
    ]);
  });

  it('structure errors', () => {
    expect(lines('nodes-not-a-list.yml')).toEqual(['nodes.yml:2:3: nodes: must be a list (got a mapping)']);
    expect(lines('empty.yml')).toEqual(['nodes.yml:1:1: the file is empty; expected a "nodes:" list']);
    expect(checkInventory('nodes: []\n', 'n.yml').issues.map(formatIssue)).toEqual([
      'n.yml:1:8: nodes: must list at least 1 item (got none)',
    ]);
    expect(checkInventory('- a\n- b\n', 'n.yml').issues.map(formatIssue)).toEqual([
      'n.yml:1:1: (top level): must be a mapping (key: value) (got a list)',
    ]);
  });

  it('uses the file name it is given', () => {
    const { issues } = checkInventory(fixture('bad-port.yml'), 'config/site-a.yml');
    expect(formatIssue(issues[0]!)).toMatch(/^config\/site-a\.yml:8:11: /);
  });
});

describe('parseInventory', () => {
  it('throws one InventoryError (exit code 2) listing every issue, one per line', () => {
    let error: unknown;
    try {
      parseInventory(fixture('bad-port.yml'), 'nodes.yml');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InventoryError);
    const e = error as InventoryError;
    expect(e.code).toBe('inventory');
    expect(EXIT_CODES[e.code]).toBe(2);
    expect(e.issues).toHaveLength(2);
    expect(e.message.split('\n')).toEqual([
      'nodes.yml:8:11: nodes[1].port: must be an integer 1-65535 (got "22x")',
      'nodes.yml:11:11: nodes[2].port: must be an integer 1-65535 (got 70000)',
    ]);
    expect(e.hint).toContain('nodes.example.yml');
  });

  it("loads the Fleet Commander plan's inventory verbatim: control-plane is a pinned manager, type is free", () => {
    const inv = parseInventory(fixture('fleet-commander.yml'), 'nodes.yml');
    expect(inv.nodes.map((n) => [n.id, n.name, n.ip, n.type, n.role])).toEqual([
      ['spark', 'dgx-spark', '192.168.50.10', 'manager', 'manager'],
      ['xavier-01', 'agx-xavier-01', '192.168.50.11', 'xavier', 'worker'],
      ['xavier-02', 'agx-xavier-02', '192.168.50.12', 'xavier', 'worker'],
    ]);
  });

  it('builds the model of a valid file', () => {
    const inv = parseInventory(fixture('valid.yml'), 'fixtures/inventory/valid.yml');
    expect(inv.path).toBe('fixtures/inventory/valid.yml');
    expect(inv.nodes.map((n) => n.id)).toEqual(['spark', 'agx-01', 'agx-02', 'agx-03', 'pi-01', 'ws-01']);
    expect(inv.nodes[0]).toEqual({
      id: 'spark',
      ip: '10.77.2.10',
      type: 'dgx-spark',
      role: 'manager',
      groups: ['gpu'],
      labels: { storage: 'nvme' },
      line: 8,
    });
    expect(inv.nodes[5]).toMatchObject({
      id: 'ws-01',
      name: 'workstation',
      port: 2222,
      key: ['~/.ssh/ws_key'],
    });
    expect(inv.defaults).toMatchObject({
      user: 'ubuntu',
      key: ['keys/fleet_ed25519'],
      swarm: { network: { name: 'lab-net', subnet: '10.20.0.0/16', attachable: false } },
      backup: { s3: {} },
    });
  });

  it('resolves YAML anchors and merge keys, and ignores x- keys', () => {
    const inv = parseInventory(fixture('merge-keys.yml'), 'nodes.yml');
    expect(inv.nodes).toMatchObject([
      { id: 'agx-01', type: 'jetson-agx-xavier', groups: ['gpu'] },
      { id: 'agx-02', type: 'jetson-agx-xavier', groups: ['gpu'], port: 2222 },
    ]);
  });

  it('turns label numbers and booleans into strings (Docker labels are strings)', () => {
    const inv = parseInventory(
      'nodes:\n  - { id: a, ip: a.lab, labels: { gpu.count: 2, fast: true } }\n',
      'n.yml',
    );
    expect(inv.nodes[0]?.labels).toEqual({ 'gpu.count': '2', fast: 'true' });
  });

  it('accepts IPv6 addresses and DNS names, and compares addresses case-insensitively', () => {
    expect(
      parseInventory('nodes:\n  - { id: a, ip: "fe80::1" }\n  - { id: b, ip: B.lab }\n', 'n.yml').nodes,
    ).toHaveLength(2);
    const { issues } = checkInventory(
      'nodes:\n  - { id: a, ip: spark.lab }\n  - { id: b, ip: SPARK.lab }\n',
      'n.yml',
    );
    expect(issues.map(formatIssue)).toEqual([
      'n.yml:3:18: nodes[1].ip: duplicate address "SPARK.lab" (also nodes[0] at line 2)',
    ]);
  });

  it('accepts the lab inventory format', () => {
    const text = [
      'defaults: { user: root, port: 22 }',
      'nodes:',
      '  - { id: spark, name: spark, ip: 10.77.6.2, type: dgx-spark, role: manager }',
      '  - { id: agx-01, name: agx-01, ip: 10.77.6.3, type: jetson-agx-xavier }',
      '',
    ].join('\n');
    expect(parseInventory(text, 'nodes.yml').nodes.map((n) => n.id)).toEqual(['spark', 'agx-01']);
  });
});
