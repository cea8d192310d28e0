/**
 * Issue 16: `fleet up`'s live view as a person sees it. The built CLI runs in a real terminal (tmux
 * 120x45, test/e2e/terminal.ts) on lab `live` (subnet 34, 16 hosts: 5 managers, 11 workers, as the
 * issue's capture); the
 * visible screen is captured over and over while it runs. Before the fix every refresh printed the
 * block of hosts again (`› spark running 508ms`, then `› spark running 759ms` below it, …).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/index.js';
import { ensureBuilt, fleetEnv, scratchDir } from './exec-helpers.js';
import { TmuxTerminal } from './terminal.js';

const NAMES = ['spark', ...Array.from({ length: 15 }, (_, i) => `agx-${String(i + 1).padStart(2, '0')}`)];
const N = NAMES.length;
const OVERALL = new RegExp(`\\d+\\/${N} hosts {2}\\d+ ok`);
// The running phase: its spinner, title and elapsed time.
const RUNNING_PHASE = /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] [a-z ]+ \d/m;

let lab: Lab;
let cwd: string;
const term = new TmuxTerminal(() => fleetEnv(lab), 120, 45);

/** A host's lines in the live area: its name, then its step bar. */
const liveLines = (screen: string, host: string) =>
  screen.split('\n').filter((l) => new RegExp(`^${host} +[█░]{10} `).test(l));

/** What the screen shows, captured every 150 ms until fleet exits (kept in a scratch file to look at). */
async function captureUntilExit(): Promise<string[]> {
  const captures: string[] = [];
  const deadline = Date.now() + 360_000;
  while (Date.now() < deadline) {
    const shown = await term.visible();
    captures.push(shown);
    if (/\[exit \d+\]/.test(shown)) break;
    await new Promise((r) => setTimeout(r, 150));
  }
  writeFileSync(join(scratchDir('liveview-captures'), 'captures.txt'), captures.join('\n\f\n'));
  return captures;
}

beforeAll(async () => {
  await ensureBuilt();
  lab = await startLab({ id: 'live', subnet: 34, hosts: NAMES.map((name) => ({ name })) });
  cwd = scratchDir('liveview');
  lab.writeInventory(join(cwd, 'nodes.yml'));
}, 600_000);

afterAll(async () => {
  await term.kill();
  await lab?.down();
});

describe('fleet up in a terminal', { timeout: 400_000 }, () => {
  it('one live line per host, redrawn in place; the overall bar from the first frame; final states, summary and table', async () => {
    await term.start(cwd, ['up', '--all']);
    const captures = await captureUntilExit();
    expect(await term.exitCode(1000)).toBe(0);

    // In no capture does a host have two live lines.
    for (const shown of captures)
      for (const host of NAMES) expect(liveLines(shown, host).length, shown).toBeLessThanOrEqual(1);

    // From the first frame on, every capture has the overall bar (it stays in the final frame).
    const first = captures.findIndex((c) => OVERALL.test(c));
    expect(first).toBeGreaterThanOrEqual(0);
    for (const shown of captures.slice(first)) expect(shown).toMatch(OVERALL);
    // The first capture with a phase already has it, not only the end.
    expect(captures.find((c) => RUNNING_PHASE.test(c))).toMatch(OVERALL);

    // While a phase runs, its hosts show their step, and hosts done with it say ok.
    const running = captures.filter((c) => RUNNING_PHASE.test(c));
    expect(
      running.some((c) => /^\S+ +[█░]{10} (connecting|facts, docker|joining as \w+|labels|waiting)/m.test(c)),
    ).toBe(true);
    expect(running.some((c) => /^\S+ +█{10} ok \d/m.test(c))).toBe(true);

    // The whole scrollback: every host has exactly one live line (the final frame's), with its final state.
    const all = await term.screen();
    for (const host of NAMES) expect(liveLines(all, host), all).toEqual([expect.stringMatching(/█{10} ok /)]);
    expect(all).toMatch(/^✔ preflight\b/m);
    expect(all).toMatch(new RegExp(`^█+ ${N}/${N} hosts {2}${N} ok {2}0 active`, 'm'));
    expect(all).toMatch(new RegExp(`^${N} hosts: ${N} ok in `, 'm'));
    expect(all).toMatch(/^ID\s+HOSTNAME\s+HOST\s+STATUS\s+AVAILABILITY\s+MANAGER STATUS/m);
    // change: sentences are a log above the final frame, not between its redraws.
    const lines = all.split('\n');
    const lastChange = lines.findLastIndex((l) => l.startsWith('change: '));
    expect(lastChange).toBeGreaterThanOrEqual(0);
    expect(lastChange).toBeLessThan(lines.findIndex((l) => l.startsWith('✔ preflight')));
  });

  it('down: the same view, one line per host leaving, final states in the last frame', async () => {
    await term.kill();
    await term.start(cwd, ['down', '--all', '--yes']);
    const captures = await captureUntilExit();
    expect(await term.exitCode(1000)).toBe(0);
    for (const shown of captures)
      for (const host of NAMES) expect(liveLines(shown, host).length, shown).toBeLessThanOrEqual(1);
    const all = await term.screen();
    for (const host of NAMES) expect(liveLines(all, host), all).toEqual([expect.stringMatching(/█{10} ok /)]);
    expect(all).toMatch(/^✔ leave workers .* 11 hosts\s*$/m);
    expect(all).toMatch(/^✔ leave managers\b/m);
    expect(all).toMatch(new RegExp(`^█+ ${N}/${N} hosts {2}${N} ok {2}0 active`, 'm'));
  });
});
