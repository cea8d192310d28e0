import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkInventory } from '../../src/core/inventory.js';
import { NODES_SCHEMA } from '../../src/core/inventory-schema.js';

const ROOT = join(import.meta.dirname, '../..');
const REGENERATE = `npx tsx -e "import('./src/core/inventory-schema.ts').then(m=>require('fs').writeFileSync('schema/nodes.schema.json', JSON.stringify(m.NODES_SCHEMA,null,2)+'\\n'))" && npx prettier --write schema/nodes.schema.json`;

describe('schema/nodes.schema.json', () => {
  it('is exactly the schema fleet validates with', () => {
    const shipped: unknown = JSON.parse(readFileSync(join(ROOT, 'schema/nodes.schema.json'), 'utf8'));
    expect(shipped, `schema/nodes.schema.json is stale; regenerate it: ${REGENERATE}`).toEqual(
      JSON.parse(JSON.stringify(NODES_SCHEMA)),
    );
  });

  it('compiles in plain strict ajv (what editors and other tools get)', () => {
    const ajv = new Ajv({ strict: true, allowUnionTypes: true });
    const validate = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schema/nodes.schema.json'), 'utf8')));
    const example: unknown = parse(readFileSync(join(ROOT, 'nodes.example.yml'), 'utf8'), { merge: true });
    expect(validate.errors ?? null).toBeNull();
    expect(validate(example)).toBe(true);
    expect(validate({ nodes: [{ id: 'a', ip: 'a.lab', password: 'x' }] })).toBe(false);
    expect(
      validate({ defaults: { backup: { s3: { secretAccessKey: 'x' } } }, nodes: [{ id: 'a', ip: 'b' }] }),
    ).toBe(false);
  });
});

describe('nodes.example.yml', () => {
  const text = readFileSync(join(ROOT, 'nodes.example.yml'), 'utf8');

  it('points editors at the schema on its first line', () => {
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./schema/nodes.schema.json');
  });

  it('is valid and describes the real fleet: spark + agx-01..15 + a pi + a workstation', () => {
    const { inventory, issues } = checkInventory(text, 'nodes.example.yml');
    expect(issues).toEqual([]);
    const nodes = inventory!.nodes;
    expect(nodes.map((n) => n.id)).toEqual([
      'spark',
      ...Array.from({ length: 15 }, (_, i) => `agx-${String(i + 1).padStart(2, '0')}`),
      'pi-01',
      'ws-01',
    ]);
    expect(nodes[0]).toMatchObject({ type: 'dgx-spark', role: 'manager' });
    expect(nodes.filter((n) => n.type === 'jetson-agx-xavier')).toHaveLength(15);
    expect(inventory!.defaults.swarm.network).toEqual({
      name: 'fleet-network',
      subnet: '10.10.0.0/16',
      attachable: true,
    });
    expect(inventory!.defaults.backup.s3.forcePathStyle).toBe(true);
  });
});
