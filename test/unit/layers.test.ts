/**
 * The layer check of issue 9 (npm run lint:deps) on a small tree in the target layout: clean, it
 * passes; each forbidden import or process use added on purpose is reported under its own rule.
 * Runs the real depcruise and eslint with the repository's configs, in a temp dir whose
 * node_modules links to ours (so `commander` resolves as it does in src/).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A clean tree: every layer imports only downward, the CLI uses commander and stdout. */
const CLEAN: Record<string, string> = {
  'src/core/host.ts': 'export const host = 1;\n',
  'src/adapters/ssh/pool.ts': "import { host } from '../../core/host.js';\nexport const pool = host;\n",
  'src/runtime/session.ts': "import { pool } from '../adapters/ssh/pool.js';\nexport const session = pool;\n",
  'src/ops/shared/facts.ts':
    "import { session } from '../../runtime/session.js';\nexport const facts = session;\n",
  'src/ops/exec/run.ts': "import { facts } from '../shared/facts.js';\nexport const run = () => facts;\n",
  'src/views/plain.ts':
    "import { run } from '../ops/exec/run.js';\nexport const show = () => process.stdout.write(String(run()));\n",
  'src/frontends/cli/main.ts':
    "import { Command } from 'commander';\nimport { show } from '../../views/plain.js';\n" +
    'export const main = () => { new Command(); show(); process.exitCode = 0; };\n',
};

function run(cmd: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, maxBuffer: 16 << 20 }, (err, stdout) => {
      // Both tools exit 1 when they find something; only missing output is a failure here.
      if (!stdout) reject(err ?? new Error(`${cmd}: no output`));
      else resolve(stdout);
    });
  });
}

/** Rule names reported by dependency-cruiser and eslint, each with the file it was found in. */
async function check(files: Record<string, string>): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-layers-'));
  dirs.push(dir);
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext' } }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const bin = (name: string) => join(ROOT, 'node_modules/.bin', name);
  const [cruised, linted] = await Promise.all([
    run(
      bin('depcruise'),
      ['src', '--config', join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'json'],
      dir,
    ),
    run(bin('eslint'), ['--config', join(ROOT, 'eslint.layers.config.js'), '--format', 'json', 'src'], dir),
  ]);
  const graph = JSON.parse(cruised) as {
    summary: { violations: { from: string; rule: { name: string } }[] };
  };
  const lint = JSON.parse(linted) as { filePath: string; messages: { ruleId: string }[] }[];
  return [
    ...graph.summary.violations.map((v) => `${v.rule.name} ${v.from}`),
    ...lint.flatMap((r) => r.messages.map((m) => `${m.ruleId} ${r.filePath.slice(dir.length + 1)}`)),
  ].sort();
}

/** The clean tree plus one file per forbidden thing. */
const DIRTY: Record<string, string> = {
  ...CLEAN,
  // core imports up; that also closes a circle core → runtime → adapters → core
  'src/core/host.ts': "import { session } from '../runtime/session.js';\nexport const host = session;\n",
  'src/core/read.ts': "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n",
  'src/adapters/ssh/bus.ts':
    "import { session } from '../../runtime/session.js';\nexport const b = session;\n",
  'src/ops/backup/run.ts': "import { run } from '../exec/run.js';\nexport const backup = run;\n",
  'src/ops/exec/cli.ts':
    "import type { Command } from 'commander';\nimport pLimit from 'p-limit';\n" +
    'export const f = (c: Command) => { pLimit(1); process.stdout.write(c.name()); process.exit(1); };\n',
  'src/views/exit.ts': 'export const done = () => { process.stderr.write("x"); process.exitCode = 2; };\n',
  'src/swarm/run.ts': "import { host } from '../core/host.js';\nexport const r = host;\n",
};

const dirs: string[] = [];
let clean: string[];
let dirty: string[];

beforeAll(async () => {
  [clean, dirty] = await Promise.all([check(CLEAN), check(DIRTY)]);
}, 180_000);

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('npm run lint:deps (target layout)', () => {
  it('passes a tree whose imports only point down (views may print, the CLI may set the exit code)', () => {
    expect(clean).toEqual([]);
  });

  it('reports each forbidden import and process use under its own rule, and nothing else', () => {
    expect(dirty).toEqual([
      'commander-only-in-cli src/ops/exec/cli.ts',
      'core-is-pure src/core/read.ts',
      'no-circular src/adapters/ssh/pool.ts',
      'no-file-outside-layers src/swarm/run.ts',
      'no-import-between-ops src/ops/backup/run.ts',
      'no-restricted-properties src/ops/exec/cli.ts', // process.exit
      'no-restricted-properties src/ops/exec/cli.ts', // process.stdout
      'no-restricted-properties src/views/exit.ts', // process.exitCode (its stderr write is allowed)
      'no-upward-import-from-adapters src/adapters/ssh/bus.ts',
      'no-upward-import-from-core src/core/host.ts',
      'one-fan-out src/ops/exec/cli.ts',
    ]);
  });
});
