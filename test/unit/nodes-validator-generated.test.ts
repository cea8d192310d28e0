/**
 * src/core/generated/nodes-validate.ts is ajv's code for the nodes.yml schema, compiled ahead of time
 * (scripts/gen-nodes-validator.mts). It must be exactly what the current schema compiles to.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED_PATH, nodesValidatorSource } from '../../scripts/gen-nodes-validator.mjs';
import { checkInventory } from '../../src/core/inventory.js';

describe('the precompiled nodes.yml validator', () => {
  it('is what the schema compiles to now (else: npm run gen:validators)', () => {
    expect(readFileSync(GENERATED_PATH, 'utf8') === nodesValidatorSource()).toBe(true);
  });

  it('reports schema errors with their schema node (verbose), as the messages need', () => {
    const check = checkInventory(
      'nodes:\n  - id: a\n    address: 10.0.0.1\n    port: 70000\n    colour: red\n',
      'n.yml',
    );
    expect(check.inventory).toBeUndefined();
    const text = check.issues.map((i) => i.message).join('\n');
    expect(text).toMatch(/port/);
    expect(text).toMatch(/colour/);
  });
});
