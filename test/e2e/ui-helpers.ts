/**
 * Shared by test/e2e/ui.test.ts and bench/ui.ts: a 16-host lab with a swarm (formed once by the built
 * CLI's `fleet up`), the built `fleet ui` as a child process (its printed URL read from stdout), and
 * Debian's chromium driven by playwright-core (never a downloaded browser).
 */
import { execa, type ResultPromise } from 'execa';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
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
  // On a loaded machine a host may miss a deadline (exit 4, partial); another run completes the swarm
  // (bench/status.ts does the same; the bench's set-up once failed with two runs at load 30).
  // fleet up itself is tested in up16.test.ts.
  let up = await fleet(lab, cwd, ['up']);
  for (let retry = 0; retry < 2 && up.code === 4; retry++) up = await fleet(lab, cwd, ['up']);
  if (up.code !== 0) {
    await lab.down();
    throw new Error(`fleet up exited ${up.code}: ${up.stderr.slice(-2000)}`);
  }
  return { lab, cwd };
}

export interface RunningUiProcess {
  /** The `fleet ui` process (bench/ui.ts reads its CPU time). */
  pid: number;
  url: string;
  base: string;
  origin: string;
  stop(): Promise<void>;
}

/** Starts the built `fleet ui --port 0` (plus `args`, e.g. the backup store) and waits for the URL it prints. */
export async function startUiProcess(ui: UiLab, args: string[] = []): Promise<RunningUiProcess> {
  const child: ResultPromise = execa('node', [BIN, 'ui', '-f', 'nodes.yml', '--port', '0', ...args], {
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
    pid: child.pid!,
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

/**
 * Drags a selection box (lasso) over the leftmost `count` cards of the canvas's bottom row: it starts
 * on empty canvas below-left of them (nothing is drawn below the last row, not even an edge) and ends
 * inside the last one (the canvas selects the cards a box touches). Returns the ids it covered.
 */
export async function lassoBottomRow(page: Page, ids: string[], count: number): Promise<string[]> {
  const cards = await Promise.all(
    ids.map(async (id) => ({ id, box: (await page.getByTestId(`card-${id}`).boundingBox())! })),
  );
  const lowest = Math.max(...cards.map((c) => c.box.y));
  const row = cards
    .filter((c) => Math.abs(c.box.y - lowest) < 2)
    .sort((a, b) => a.box.x - b.box.x)
    .slice(0, count);
  if (row.length < count) throw new Error(`the bottom row has ${row.length} cards, not ${count}`);
  const first = row[0]!.box;
  const last = row[row.length - 1]!.box;
  await page.mouse.move(first.x - 12, first.y + first.height + 12);
  await page.mouse.down();
  await page.mouse.move(last.x + last.width - 6, last.y + 6, { steps: 12 });
  await page.mouse.up();
  return row.map((c) => c.id);
}
