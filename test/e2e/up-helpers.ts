/**
 * Shared by the `fleet up` e2e files: run the built CLI against a lab (HOME = lab.home, so the lab's
 * ~/.ssh/config, key and known_hosts apply), read reports, sample process lists, scan for tokens.
 */
import { execa } from 'execa';
import { mkdtempSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Lab } from '../lab/index.js';

export const BIN = join(process.cwd(), 'bin', 'fleet.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function workDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `fleet-${tag}-`));
}

export async function fleet(lab: Lab, cwd: string, args: string[]): Promise<CliRun> {
  const res = await execa('node', [BIN, ...args], {
    cwd,
    env: { ...process.env, HOME: lab.home, NO_COLOR: '1' },
    reject: false,
    timeout: 240_000,
  });
  return { code: res.exitCode ?? -1, stdout: res.stdout, stderr: res.stderr };
}

export function lastReport(
  cwd: string,
  command = 'up',
): Record<string, unknown> & {
  hosts: {
    id: string;
    status: string;
    role: string | null;
    failure: string | null;
    failure_phase: string | null;
    error: string | null;
  }[];
  changes: { host: string | null; description: string }[];
  topology: { hostname: string; role: string; state: string; leader: boolean }[];
  quorum: { reachable: number; managers: number; needed: number } | null;
} {
  return JSON.parse(readFileSync(join(cwd, 'reports', `last-${command}.json`), 'utf8'));
}

const ajv = new Ajv2020({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validateUp = ajv.compile(
  JSON.parse(readFileSync(join(process.cwd(), 'schema', 'up-report.schema.json'), 'utf8')),
);

export function schemaErrors(report: unknown): string {
  return validateUp(report) ? '' : ajv.errorsText(validateUp.errors);
}

/** Every file fleet wrote under `cwd` (reports, role_assignments.json), concatenated. */
export function writtenFiles(cwd: string): string {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(readFileSync(p, 'utf8'));
    }
  };
  if (existsSync(cwd)) walk(cwd);
  return out.join('\n');
}

/** Samples `ps -eo args` on the hosts until stopped; returns everything seen. */
export function sampleProcesses(lab: Lab, hosts: string[]): { stop(): Promise<string[]> } {
  let running = true;
  const seen: string[] = [];
  const loop = (async () => {
    while (running) {
      const outs = await Promise.all(
        hosts.map((h) =>
          lab.exec(h, 'ps -eo args').then(
            (r) => r.stdout,
            () => '',
          ),
        ),
      );
      seen.push(...outs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return seen;
    },
  };
}

export async function joinTokens(lab: Lab, manager: string): Promise<string[]> {
  const w = await lab.exec(manager, 'docker swarm join-token -q worker');
  const m = await lab.exec(manager, 'docker swarm join-token -q manager');
  return [w.stdout.trim(), m.stdout.trim()].filter((t) => t.startsWith('SWMTKN-'));
}

export async function nodeList(
  lab: Lab,
  manager: string,
): Promise<{ host: string; role: string; status: string; manager: string }[]> {
  const r = await lab.exec(manager, "docker node ls --format '{{.Hostname}} {{.Status}} {{.ManagerStatus}}'");
  return r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [host = '', status = '', mgr = ''] = line.split(' ');
      return { host, status, manager: mgr, role: mgr ? 'manager' : 'worker' };
    });
}

export async function swarmState(lab: Lab, host: string): Promise<string> {
  return (await lab.exec(host, "docker info --format '{{.Swarm.LocalNodeState}}'")).stdout.trim();
}

/** Runs the CLI and sends it SIGINT as soon as stderr shows `marker` (e.g. a phase starting). */
export async function fleetInterrupted(
  lab: Lab,
  cwd: string,
  args: string[],
  marker: string,
): Promise<CliRun & { interruptedAt: boolean }> {
  const child = execa('node', [BIN, ...args], {
    cwd,
    env: { ...process.env, HOME: lab.home, NO_COLOR: '1' },
    reject: false,
    timeout: 240_000,
  });
  let seen = '';
  let sent = false;
  child.stderr?.on('data', (chunk: Buffer) => {
    seen += chunk.toString('utf8');
    if (!sent && seen.includes(marker)) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  const res = await child;
  return {
    code: res.exitCode ?? -1,
    stdout: String(res.stdout),
    stderr: String(res.stderr),
    interruptedAt: sent,
  };
}

export interface FaultStep {
  /** Text on fleet's stderr that fires this step (searched after the previous step's marker). */
  marker: string;
  action: (child: { kill(signal: NodeJS.Signals): boolean }) => Promise<void> | void;
}

/**
 * Runs the CLI and calls `action` (a fault: cut a link, stop an engine, Ctrl-C) once stderr shows
 * `marker`. The child's own 240 s limit makes a hang fail the test instead of stalling it.
 */
export async function fleetWithFault(
  lab: Lab,
  cwd: string,
  args: string[],
  marker: string,
  action: FaultStep['action'],
): Promise<CliRun & { faulted: boolean }> {
  const run = await fleetWithFaults(lab, cwd, args, [{ marker, action }]);
  return { ...run, faulted: run.fired === 1 };
}

/**
 * Like fleetWithFault with steps in order: each fires once its marker appears on stderr after the
 * previous step's (e.g. a fault, then its repair once fleet reports what the fault caused).
 * `fired` counts the steps that fired; each action has finished before this returns.
 */
export async function fleetWithFaults(
  lab: Lab,
  cwd: string,
  args: string[],
  steps: FaultStep[],
): Promise<CliRun & { fired: number }> {
  const child = execa('node', [BIN, ...args], {
    cwd,
    env: { ...process.env, HOME: lab.home, NO_COLOR: '1' },
    reject: false,
    timeout: 240_000,
  });
  let seen = '';
  let from = 0;
  const fired: Promise<void>[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    seen += chunk.toString('utf8');
    for (;;) {
      const step = steps[fired.length];
      const at = step ? seen.indexOf(step.marker, from) : -1;
      if (!step || at < 0) break;
      from = at + step.marker.length;
      const previous = fired[fired.length - 1] ?? Promise.resolve();
      // In order: a repair never runs before the fault it repairs has been applied.
      fired.push(previous.then(() => step.action(child)));
    }
  });
  const res = await child;
  await Promise.all(fired);
  return {
    code: res.exitCode ?? -1,
    stdout: String(res.stdout),
    stderr: String(res.stderr),
    fired: fired.length,
  };
}
