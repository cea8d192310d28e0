/**
 * A merge once left conflict markers inside a template string (main.ts's exit-code help), which
 * compiles fine and printed them in `fleet --help`. Nothing the project ships may hold one.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIRS = ['src', 'remote', 'schema', 'docs', 'bench', 'scripts', 'test'];
const FILES = ['README.md', 'nodes.example.yml', 'package.json'];
const TEXT = /\.(ts|tsx|mts|mjs|cjs|js|sh|json|md|yml|yaml|css|html)$/;

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (TEXT.test(name)) out.push(path);
  }
}

describe('conflict markers', () => {
  it('appear in no shipped or test file', () => {
    const files = FILES.map((f) => join(ROOT, f));
    for (const d of DIRS) walk(join(ROOT, d), files);
    // Built up so this very file does not match.
    const marker = new RegExp(`^(${'<'.repeat(7)} |${'>'.repeat(7)} |${'='.repeat(7)}$)`, 'm');
    const hits = files.filter((f) => marker.test(readFileSync(f, 'utf8'))).map((f) => f.slice(ROOT.length));
    expect(files.length).toBeGreaterThan(100);
    expect(hits).toEqual([]);
  });
});
