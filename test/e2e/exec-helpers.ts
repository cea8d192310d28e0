/**
 * Shared by the exec e2e tests: run the BUILT CLI (bin/fleet.js -> dist/js) as users do, with the
 * lab's HOME so ~/.ssh/{config,known_hosts,id_ed25519} point at the lab, in a scratch working folder
 * (reports land in <cwd>/reports).
 */
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import type { Lab } from '../lab/index.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const FLEET = join(ROOT, 'bin/fleet.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds dist/ when it is missing or older than src/ (`npm test` builds first; focused runs may not). */
export async function ensureBuilt(): Promise<void> {
  let built: number;
  try {
    built = newestMtime(join(ROOT, 'dist/js'));
  } catch {
    built = 0;
  }
  if (built < newestMtime(join(ROOT, 'src'))) await execa('npm', ['run', 'build'], { cwd: ROOT });
}

export function scratchDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `fleet-${prefix}-`));
}

export function fleetEnv(lab: Lab, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    // The test decides every FLEET_* knob itself; NO_COLOR from a developer shell must not hide bugs.
    if (v !== undefined && !k.startsWith('FLEET_') && k !== 'NO_COLOR') env[k] = v;
  }
  return { ...env, ...lab.env, HOME: lab.home, ...extra };
}

export function runFleet(
  lab: Lab,
  args: string[],
  opts: { cwd: string; env?: Record<string, string> },
): ResultPromise<{
  reject: false;
  stripFinalNewline: false;
  extendEnv: false;
  cwd: string;
  env: Record<string, string>;
  stdin: 'ignore';
}> {
  return execa(process.execPath, [FLEET, ...args], {
    reject: false,
    stripFinalNewline: false,
    extendEnv: false,
    cwd: opts.cwd,
    env: fleetEnv(lab, opts.env),
    stdin: 'ignore',
  });
}

// eslint-disable-next-line no-control-regex
export const ANSI = /\u001b\[|\u001b\]/;
