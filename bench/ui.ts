/**
 * `npm run bench:ui` (FLEET_LAB_SLOT applies): the web view on 16 lab hosts (lab `bui`, subnet 36; a
 * swarm formed with `fleet up`), driven by Debian's chromium through playwright-core:
 *  - time to the first full canvas: from starting `fleet ui` (a fresh process) to 16 cards shown Ready,
 *    and from opening the URL to the same;
 *  - the delay from a node's link being cut (lab cutLink) to its card turning down;
 *  - the CPU time the `fleet ui` process used up to the first full canvas (start-up, SSH handshakes,
 *    the first observer round), which a loaded machine changes far less than the wall times.
 * Median of BENCH_RUNS (default 5) each. Writes bench/results/ui.md (BENCH_OUT elsewhere).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { startUiLab, startUiProcess, launchChromium, AGX } from '../test/e2e/ui-helpers.js';
import { processCpuSeconds } from './lib/sshd-cpu.js';
import { fmt, median } from './lib/stats.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Math.max(3, Number(process.env.BENCH_RUNS ?? 5));
/** The 16th Ready card: a locator wait, run by playwright's own script (no eval in the page). */
const READY_CARDS = '[data-testid^="card-"][data-state="ready"]';

async function main(): Promise<void> {
  await execa('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const ui = await startUiLab('bui', 36);
  const load = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
  const browser = await launchChromium();
  const fromStart: number[] = [];
  const fromOpen: number[] = [];
  const cutDelays: number[] = [];
  const cpuToCanvas: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const server = await startUiProcess(ui);
      const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
      const page = await context.newPage();
      const t1 = performance.now();
      await page.goto(server.url);
      // Not waitForFunction with a string: once its first check fails it polls by eval in the page,
      // which the page's CSP forbids (the bench's second failure, and then its third).
      await page.locator(READY_CARDS).nth(15).waitFor({ timeout: 120_000 });
      const t2 = performance.now();
      cpuToCanvas.push(await processCpuSeconds(server.pid, false));
      fromStart.push(t2 - t0);
      fromOpen.push(t2 - t1);
      if (i === RUNS - 1) {
        for (let k = 0; k < RUNS; k++) {
          const host = AGX[5 + k]!;
          const card = page.locator(`[data-testid="card-${host}"]`);
          const cutAt = performance.now();
          await ui.lab.cutLink(host);
          await page.locator(`[data-testid="card-${host}"][data-state="down"]`).waitFor({ timeout: 120_000 });
          cutDelays.push(performance.now() - cutAt);
          await ui.lab.restoreLink(host);
          await card.and(page.locator('[data-state="ready"]')).waitFor({ timeout: 120_000 });
        }
      }
      await context.close();
      await server.stop();
    }
  } finally {
    await browser.close();
    await ui.lab.down();
  }
  const s = (ms: number[]): string =>
    `${fmt(median(ms) / 1000)} s (${ms.map((m) => fmt(m / 1000)).join(', ')})`;
  const md = `# fleet ui (bench/ui.ts)

16 lab hosts (spark + agx-01..15, a swarm formed by \`fleet up\`), Debian's chromium via playwright-core,
observer round every 2 s with a 5 s per-host probe deadline (the defaults). Median of ${RUNS} runs; each
run's value in brackets. Load average when the bench started: ${load} (2 cores, shared).

| measure | median (runs) |
| --- | --- |
| \`fleet ui\` started → 16 cards Ready on the canvas | ${s(fromStart)} |
| URL opened → 16 cards Ready | ${s(fromOpen)} |
| link cut (lab cutLink) → the node's card shows down | ${s(cutDelays)} |
| CPU of the \`fleet ui\` process up to the full canvas | ${fmt(median(cpuToCanvas))} s (${cpuToCanvas.map((c) => fmt(c)).join(', ')}) |

The first full canvas waits for the first observer round (every host's engine and metrics, then the
leader's node list, services and tasks). A cut host is seen by the next round that starts after the
cut, once its probe misses the 5 s deadline: at most about interval + deadline + one round.
`;
  await writeFile(process.env.BENCH_OUT ?? fileURLToPath(new URL('results/ui.md', import.meta.url)), md);
  process.stdout.write(md);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
