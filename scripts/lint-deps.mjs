#!/usr/bin/env node
/**
 * `npm run lint:deps`: the layer check of issue 9. Runs both halves even when the first fails, so one
 * run lists every violation: dependency-cruiser (.dependency-cruiser.cjs: circles, upward imports,
 * commander, p-limit, pure core) and eslint (eslint.layers.config.js: process.std*, exit codes, signals).
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const steps = [
  [bin('depcruise'), ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err']],
  [bin('eslint'), ['--config', 'eslint.layers.config.js', '--max-warnings', '0', 'src']],
];

let failed = false;
for (const [cmd, args] of steps) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
