/**
 * Shared by test/e2e/ui.test.ts and bench/ui.ts: a 16-host lab with a swarm (formed once by the built
 * CLI's `fleet up`), the built `fleet ui` as a child process (its printed URL read from stdout), and
 * Debian's chromium driven by playwright-core (never a downloaded browser).
 */
import { execa, type ResultPromise } from 'execa';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startLab, type Lab } from '../lab/index.js';
import { fleet, workDir } from './up-helpers.js';

export const AGX = Array.from({ length: 15 }, (_, i) => `agx-${String(i + 1).padStart(2, '0')}`);
export const ALL = ['spark', ...AGX];
const BIN = join(process.cwd(), 'bin', 'fleet.js');

export interface UiLab {
  lab: Lab;
  cwd: string;
}

/** 16 hosts (spark pinned manager + agx-01..15), a swarm formed by `fleet up`. */
export async function startUiLab(id: string, subnet: number): Promise<UiLab> {
  const lab = await startLab({
    id,
    subnet,
    hosts: [{ name: 'spark', role: 'manager' }, ...AGX.map((name) => ({ name }))],
  });
  const cwd = workDir(id);
  lab.writeInventory(join(cwd, 'nodes.yml'));
  // On a loaded machine one host may miss a deadline (exit 4, partial); a second run completes the
  // swarm (bench/status.ts does the same). fleet up itself is tested in up16.test.ts.
  let up = await fleet(lab, cwd, ['up']);
  if (up.code === 4) up = await fleet(lab, cwd, ['up']);
  if (up.code !== 0) {
    await lab.down();
    throw new Error(`fleet up exited ${up.code}: ${up.stderr.slice(-2000)}`);
  }
  return { lab, cwd };
}

export interface RunningUiProcess {
  url: string;
  base: string;
  origin: string;
  stop(): Promise<void>;
}

/** Starts the built `fleet ui --port 0` and waits for the URL it prints. */
export async function startUiProcess(ui: UiLab): Promise<RunningUiProcess> {
  const child: ResultPromise = execa('node', [BIN, 'ui', '-f', 'nodes.yml', '--port', '0'], {
    cwd: ui.cwd,
    env: { ...process.env, HOME: ui.lab.home, NO_COLOR: '1' },
    reject: false,
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`fleet ui printed no URL in 60 s: ${stderr}`)), 60_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /fleet ui: (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void child.then((r) => reject(new Error(`fleet ui exited ${r.exitCode}: ${stderr}`)));
  });
  const base = url.slice(0, url.indexOf('?'));
  return {
    url,
    base,
    origin: base.replace(/\/$/, ''),
    async stop() {
      child.kill('SIGTERM');
      await child;
    },
  };
}

export function launchChromium(): Promise<Browser> {
  // --no-sandbox: the tests run as root in CI, where chromium refuses its sandbox.
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
}
