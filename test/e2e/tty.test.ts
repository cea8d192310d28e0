/**
 * The live terminal view, as a user sees it: the built CLI runs inside a real terminal (tmux, 140x50)
 * against lab `tty` (subnet 16, 6 full hosts). We read the screen (capture-pane, history included)
 * and the raw bytes fleet wrote (pipe-pane), polling with a deadline. Covers the exec bars, the
 * phase list of `fleet up`, the plain view under NO_COLOR=1, and yes/no prompts asked while the
 * view is rendering (fleet down's confirmation, up's "continue with fewer managers?").
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/index.js';
import { ensureBuilt, fleetEnv, scratchDir } from './exec-helpers.js';
import { TmuxTerminal } from './terminal.js';

const NAMES = ['spark', 'agx-01', 'agx-02', 'agx-03', 'agx-04', 'agx-05'];
// Any CSI/OSC escape (colors, cursor movement, erase) and bare ESC-letter sequences.
// eslint-disable-next-line no-control-regex
const ESCAPE = /\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07]*\x07|[@-Z\\-_])/;
// eslint-disable-next-line no-control-regex
const CURSOR_MOVE = /\x1b\[[0-9;]*[ABCDHJKf]|\x1b\[\?25[lh]/;

let lab: Lab;
let cwd: string;
// A private tmux server (test/e2e/terminal.ts), 140x50.
const term = new TmuxTerminal(() => fleetEnv(lab));
const tmux = (...args: string[]) => term.tmux(...args);
const startFleet = (args: string[], env: Record<string, string> = {}) => term.start(cwd, args, env);
const screen = () => term.screen();
const waitFor = (what: string, test: (s: string) => boolean, ms?: number) => term.waitFor(what, test, ms);
const exitCode = (ms?: number) => term.exitCode(ms);
const swarmStates = () =>
  Promise.all(
    NAMES.map(async (h) =>
      (await lab.exec(h, "docker info --format '{{.Swarm.LocalNodeState}}'")).stdout.trim(),
    ),
  );
const rawOutput = () => term.rawOutput();

beforeAll(async () => {
  await ensureBuilt();
  lab = await startLab({ id: 'tty', subnet: 16, hosts: NAMES.map((name) => ({ name })) });
  cwd = scratchDir('tty');
  lab.writeInventory(join(cwd, 'nodes.yml'));
}, 600_000);

afterEach(async () => {
  await term.kill();
});

afterAll(async () => {
  await lab?.down();
});

describe('fleet in a terminal', { timeout: 420_000 }, () => {
  it('exec: per-host states and an overall bar while running, then intact output lines and the summary', async () => {
    await startFleet(['exec', '--all', '--', 'sleep 1; hostname']);
    const live = await waitFor('the bars', (s) => /\d\/6 hosts/.test(s) && /running/.test(s));
    // One line per host with its state, and the overall bar with elapsed time.
    for (const name of NAMES) expect(live).toMatch(new RegExp(`^${name}\\s+(connecting|running|ok)\\b`, 'm'));
    expect(live).toMatch(/\d\/6 hosts .*\d+ active\s+\d/);

    expect(await exitCode()).toBe(0);
    const done = await screen();
    expect(done).toContain('6 hosts: 6 ok');
    for (const name of NAMES) {
      // The output line stands alone: nothing of a bar before or after it on the same row.
      expect(done).toMatch(new RegExp(`^${name}: ${name}\\s*$`, 'm'));
    }
    expect(done).not.toMatch(/[█░][^\n]*: (spark|agx-0\d)\s*$/m);
    expect(done).toMatch(/6\/6 hosts/);
    // The tty view really drew (escape codes), unlike the plain view below.
    expect(rawOutput()).toMatch(CURSOR_MOVE);
  });

  it('exec with NO_COLOR=1 in the same terminal: the plain view, no escape codes at all', async () => {
    await startFleet(['exec', '--all', '--', 'hostname'], { NO_COLOR: '1' });
    expect(await exitCode()).toBe(0);
    const text = await screen();
    for (const name of NAMES) expect(text).toMatch(new RegExp(`^${name}: ${name}\\s*$`, 'm'));
    expect(text).toContain('6 hosts: 6 ok');
    const bytes = rawOutput().replace(/\[exit \d+\][\s\S]*$/, '');
    expect(bytes).toContain('6 hosts: 6 ok');
    expect(bytes).not.toMatch(ESCAPE);
    expect(bytes).not.toMatch(CURSOR_MOVE);
  });

  it('up: phase lines from preflight to verify, then the topology table', async () => {
    await startFleet(['up', '--all']);
    expect(await exitCode(400_000)).toBe(0);
    const text = await screen();
    const phases = ['preflight', 'init', 'tokens', 'managers', 'workers', 'labels', 'network', 'verify'];
    let at = -1;
    for (const phase of phases) {
      const m = new RegExp(`^[✔↓] ${phase}\\b`, 'm').exec(text.slice(at + 1));
      expect(m, `${phase} line in:\n${text}`).not.toBeNull();
      at += 1 + m!.index;
    }
    expect(text).toMatch(/^ID\s+HOSTNAME\s+HOST\s+STATUS\s+AVAILABILITY\s+MANAGER STATUS/m);
    for (const name of NAMES)
      expect(text).toMatch(new RegExp(`^\\w{12}\\s+${name}\\s+${name}\\s+Ready\\s+Active\\b`, 'm'));
    expect(text.match(/\sReady\s+Active\s+Leader\s/g)).toHaveLength(1);
    expect(text.match(/\sReady\s+Active\s+Reachable\s/g)).toHaveLength(2);
  });

  it('down: the question is readable on a terminal; n exits 2 and changes nothing, y leaves', async () => {
    await startFleet(['down', '--all']);
    await waitFor('the confirmation', (s) => /leave the swarm on 6 hosts .*\? \[y\/N\] $/m.test(s));
    await tmux('send-keys', '-t', 'fleet', 'n', 'Enter');
    expect(await exitCode()).toBe(2);
    expect(await swarmStates()).toEqual(NAMES.map(() => 'active'));
    await term.kill();

    await startFleet(['down', '--all']);
    await waitFor('the confirmation', (s) => /\[y\/N\] $/m.test(s));
    await tmux('send-keys', '-t', 'fleet', 'y', 'Enter');
    expect(await exitCode(300_000)).toBe(0);
    expect(await swarmStates()).toEqual(NAMES.map(() => 'inactive'));
  });

  it('up: "continue with fewer managers?" is shown above a paused view; n stops the run', async () => {
    const three = NAMES.slice(0, 3);
    lab.writeInventory(join(cwd, 'nodes.yml'), three);
    // Every joining manager's connection to the leader's 2377 is refused: the first join asks.
    const block = 'iptables -I OUTPUT -p tcp --dport 2377 ! -o lo -j REJECT';
    for (const host of three) expect((await lab.exec(host, block)).code).toBe(0);
    try {
      await startFleet(['up', '--all']);
      const asked = await waitFor('the question', (s) =>
        /continue with fewer managers\? \[y\/N\] $/m.test(s),
      );
      expect(asked).toMatch(/failed to join as manager: .*2377/);
      // The renderer is paused: the question stays the last line of the screen.
      await new Promise((r) => setTimeout(r, 600));
      expect((await screen()).trimEnd()).toMatch(/continue with fewer managers\? \[y\/N\]$/);
      await tmux('send-keys', '-t', 'fleet', 'n', 'Enter');
      // The failure's own code decides: the port check (connect, 3) or the join itself (Docker API, 6).
      expect([3, 6]).toContain(await exitCode());
      const text = await screen();
      expect(text).toMatch(/manager .* failed to join/);
      expect(text).toMatch(/^✔ init\b/m);
      expect(text).not.toMatch(/^✔ workers\b/m);
    } finally {
      for (const host of three) await lab.exec(host, block.replace('-I', '-D'));
      lab.writeInventory(join(cwd, 'nodes.yml'));
    }
  });
});
