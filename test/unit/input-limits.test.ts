/**
 * Input limits (issue 8 point 11): hostile nodes.yml structures and key paths that are not key files
 * are input errors naming the file, never a crash, a hang or an unbounded read.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkKeyFile, MAX_KEY_FILE_BYTES, readKeyFile } from '../../src/adapters/key-file.js';
import { applyIdentityFiles } from '../../src/runtime/targets.js';
import { EXIT_CODES } from '../../src/core/errors.js';
import { checkInventory, formatIssue, InventoryError, parseInventory } from '../../src/core/inventory.js';
import { MAX_NESTING } from '../../src/core/inventory-limits.js';
import { catchFleetError } from '../helpers/fleet-error.js';

const NODES = 'nodes:\n  - id: a\n    ip: 10.0.0.1\n';

/** Nine levels of nine aliases each: 9^9 (387 million) strings once expanded. */
function aliasBomb(): string {
  const lines = ['l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i <= 8; i++)
    lines.push(
      `l${i}: &l${i} [${Array(9)
        .fill(`*l${i - 1}`)
        .join(', ')}]`,
    );
  return `${lines.join('\n')}\n${NODES}`;
}

describe('nodes.yml structure limits', () => {
  it('an alias bomb is an inventory error (exit 2) pointing at the first alias', () => {
    const { inventory, issues } = checkInventory(aliasBomb(), 'nodes.yml');
    expect(inventory).toBeUndefined();
    expect(issues.map(formatIssue)).toEqual([
      'nodes.yml:2:10: YAML: aliases (*name) expand to too many nodes (more than 1000 per alias)',
    ]);
    const thrown = catchFleetError(() => parseInventory(aliasBomb(), 'nodes.yml'), 'inventory');
    expect(thrown).toBeInstanceOf(InventoryError);
    expect(EXIT_CODES[thrown.code]).toBe(2);
  });

  it('3,000 levels of flow or block nesting are an inventory error at the first level too deep', () => {
    const flow = `${NODES}z: ${'['.repeat(3000)}${']'.repeat(3000)}\n`;
    expect(checkInventory(flow, 'n.yml').issues.map(formatIssue)).toEqual([
      `n.yml:4:${3 + MAX_NESTING}: YAML: nested deeper than ${MAX_NESTING} levels (nodes.yml needs 4)`,
    ]);
    const block = `${NODES}z:\n${Array.from({ length: 3000 }, (_, i) => `${'  '.repeat(i + 1)}- \n`).join('')}`;
    const issues = checkInventory(block, 'n.yml').issues;
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toBe(`YAML: nested deeper than ${MAX_NESTING} levels (nodes.yml needs 4)`);
    expect(issues[0]!.line).toBe(4 + MAX_NESTING);
  });

  it('nesting up to the limit is still parsed (the schema then speaks about the extra key)', () => {
    const ok = `${NODES}z: ${'['.repeat(MAX_NESTING - 1)}${']'.repeat(MAX_NESTING - 1)}\n`;
    expect(checkInventory(ok, 'n.yml').issues.map((i) => i.message)).toEqual(['z: unknown field']);
    // An anchor reused on every node is ordinary use, far below the alias limit.
    const reuse = `nodes:\n${Array.from({ length: 50 }, (_, i) => `  - id: n${i}\n    ip: 10.0.0.${i + 1}\n    labels: ${i === 0 ? '&l {gpu: "true", zone: a}' : '*l'}\n`).join('')}`;
    const inv = parseInventory(reuse, 'n.yml');
    expect(inv.nodes[49]!.labels).toEqual({ gpu: 'true', zone: 'a' });
  });
});

describe('key files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-keyfile-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a character device, a FIFO and a directory without reading or blocking', () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(() => checkKeyFile('/dev/zero')).toThrow(
      'identity file /dev/zero is a character device, not a key file',
    );
    expect(() => readKeyFile('/dev/zero')).toThrow('is a character device');
    // A FIFO with no writer: a plain open() would block here forever.
    expect(() => readKeyFile(fifo)).toThrow(`identity file ${fifo} is a FIFO, not a key file`);
    expect(() => checkKeyFile(fifo)).toThrow('is a FIFO');
    expect(() => checkKeyFile(dir)).toThrow('is a directory');
  });

  it('refuses a file larger than any private key, reads a real-sized one', () => {
    const big = join(dir, 'big');
    writeFileSync(big, Buffer.alloc(MAX_KEY_FILE_BYTES + 1, 0x41));
    expect(() => checkKeyFile(big)).toThrow(
      `identity file ${big} is ${MAX_KEY_FILE_BYTES + 1} bytes or more`,
    );
    expect(() => readKeyFile(big)).toThrow('private keys are under 64 KiB');
    const ok = join(dir, 'ok');
    writeFileSync(ok, Buffer.alloc(MAX_KEY_FILE_BYTES, 0x42));
    expect(readKeyFile(ok).length).toBe(MAX_KEY_FILE_BYTES);
    // A missing file is not refused up front: it is skipped with a warning when tried.
    expect(() => checkKeyFile(join(dir, 'missing'))).not.toThrow();
  });

  it('applyIdentityFiles checks -i, nodes.yml/ssh_config keys and jump hosts before connecting', () => {
    const host = { id: 'a', address: '10.0.0.1', port: 22, user: 'root', identityFiles: [] as string[] };
    const viaFlag = catchFleetError(() => applyIdentityFiles([host], { identity: ['/dev/zero'] }), 'usage');
    expect(EXIT_CODES[viaFlag.code]).toBe(2);
    expect(viaFlag.message).toContain('/dev/zero');
    const fromConfig = { ...host, identityFiles: ['/dev/null'] };
    expect(() => applyIdentityFiles([fromConfig], {})).toThrow(
      'identity file /dev/null is a character device',
    );
    const viaJump = { ...host, proxyJump: { ...host, id: 'bastion', identityFiles: [dir] } };
    expect(() => applyIdentityFiles([viaJump], {})).toThrow(`identity file ${dir} is a directory`);
  });
});
