/**
 * `fleet ui` in a real browser (Debian's chromium through playwright-core) against a 16-host lab
 * (lab `ui`, subnet 36; a swarm formed once by `fleet up`, busybox imported on 4 workers that carry
 * the service `web`) and a real S3 server (s3rver on 127.0.0.1) as the backup store: the token and
 * Origin checks (HTTP and WebSocket), the canvas's 16 cards with the engines' roles, batch exec on 3
 * nodes picked by shift-click and by a lasso, a terminal running a command, scaling and draining from
 * the page (checked on the engines), a node backed up from its right-click menu and restored through
 * the operation's own question in the page (Cancel changes nothing, Yes restores: checked on the
 * host), and a cut link turning a card down. Screenshots of the canvas and of an open terminal go
 * to docs/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import WebSocket from 'ws';
import { pollUntil } from '../../src/core/poll.js';
import { startS3Server, type TestS3Server } from '../helpers/s3-server.js';
import { fleet, nodeList } from './up-helpers.js';
import {
  ALL,
  lassoBottomRow,
  launchChromium,
  startUiLab,
  startUiProcess,
  type RunningUiProcess,
  type UiLab,
} from './ui-helpers.js';

const IMAGE = 'fleet-lab/busybox:latest';
/** The workers with the image; `web` is constrained to them. */
const IMAGE_HOSTS = ['agx-12', 'agx-13', 'agx-14', 'agx-15'];
const DOCS = join(process.cwd(), 'docs');
/** The node backed up and restored from the page (no other test touches it). */
const BACKUP_HOST = 'agx-07';
const ACCESS_KEY = `AKIAFLEETUI${randomBytes(5).toString('hex').toUpperCase()}`;
const SECRET_KEY = randomBytes(30).toString('base64');
let s3: TestS3Server;
let store: string[];
let ui: UiLab;
let server: RunningUiProcess;
let browser: Browser;
let page: Page;

const poll = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> =>
  pollUntil(what, () => check(), { timeoutMs, signal: new AbortController().signal, maxDelayMs: 1000 });

/** Running tasks of `web` per node, asked of the swarm's leader engine. */
async function webTasks(): Promise<Record<string, number>> {
  const r = await ui.lab.exec(
    'spark',
    "docker service ps web --filter desired-state=running --format '{{.Node}} {{.CurrentState}}'",
  );
  const out: Record<string, number> = {};
  for (const line of r.stdout.trim().split('\n').filter(Boolean)) {
    const [node = '', state = ''] = line.split(' ');
    if (state === 'Running') out[node] = (out[node] ?? 0) + 1;
  }
  return out;
}
const total = (c: Record<string, number>): number => Object.values(c).reduce((a, b) => a + b, 0);

async function confirmDialog(): Promise<void> {
  await page.getByTestId('confirm-yes').click();
}

beforeAll(async () => {
  ui = await startUiLab('ui', 36);
  await Promise.all(IMAGE_HOSTS.map((h) => ui.lab.importImage(h)));
  for (const h of IMAGE_HOSTS) await ui.lab.exec('spark', `docker node update --label-add ui-image=yes ${h}`);
  const script = 'trap "exit 0" TERM; while true; do sleep 1; done';
  const created = await fleet(ui.lab, ui.cwd, [
    ...['service', 'create', 'web', '--image', IMAGE, '--replicas', '2'],
    ...['--constraint', 'node.labels.ui-image==yes', '--', 'sh', '-c', script],
  ]);
  if (created.code !== 0) throw new Error(created.stderr);
  s3 = await startS3Server(['fleet-backups'], {
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
  });
  // fleet ui (and fleet backup ls below) read the S3 keys from the environment only, as fleet backup does.
  process.env.AWS_ACCESS_KEY_ID = ACCESS_KEY;
  process.env.AWS_SECRET_ACCESS_KEY = SECRET_KEY;
  store = ['--to', 's3://fleet-backups/ui', '--s3-endpoint', s3.endpoint];
  server = await startUiProcess(ui, store);
  browser = await launchChromium();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await ui?.lab.down();
  await s3?.dispose();
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
});

/** The text of the file the backup holds, read on the host itself. */
async function nodeConf(): Promise<string> {
  return (await ui.lab.exec(BACKUP_HOST, 'cat /etc/fleet/node.conf')).stdout.trim();
}

describe('fleet ui', () => {
  it('refuses requests without the token, a reused token, and a foreign Origin (HTTP and WebSocket)', async () => {
    expect((await fetch(server.base)).status).toBe(401);
    expect((await fetch(`${server.base}api/state`)).status).toBe(401);
    expect((await fetch(`${server.base}?token=wrong`, { redirect: 'manual' })).status).toBe(403);
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    page = await context.newPage();
    await page.goto(server.url);
    await page.getByTestId('canvas').waitFor();
    // The token is spent: opening the same URL again is refused.
    expect((await fetch(server.url, { redirect: 'manual' })).status).toBe(403);
    const cookie = (await context.cookies()).find((c) => c.name === 'fleet_ui')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    const headers = { cookie: `fleet_ui=${cookie.value}`, 'content-type': 'application/json' };
    const post = (origin: string | undefined) =>
      fetch(`${server.base}api/exec`, {
        method: 'POST',
        headers: { ...headers, ...(origin ? { origin } : {}) },
        body: JSON.stringify({ hosts: ['spark'], command: 'true' }),
      });
    expect((await post('http://evil.example')).status).toBe(403);
    expect((await post(undefined)).status).toBe(403);
    expect((await post(server.origin)).status).toBe(200);
    const upgrade = (h: Record<string, string>) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(`${server.base.replace('http', 'ws')}api/terminal?host=spark`, {
          headers: h,
        });
        ws.on('open', () => (ws.close(), resolve('open')));
        ws.on('unexpected-response', (_, res) => resolve(String(res.statusCode)));
        ws.on('error', () => resolve('error'));
      });
    expect(await upgrade({ cookie: headers.cookie, origin: 'http://evil.example' })).toBe('403');
    expect(await upgrade({ origin: server.origin })).toBe('403');
    expect(await upgrade({ cookie: headers.cookie, origin: server.origin })).toBe('open');
  });

  it('shows the 16 nodes as cards with the roles the engines report', async () => {
    // A locator, not waitForFunction: a string predicate is evaluated in the page, which its CSP forbids.
    const ready = page.locator('[data-testid^="card-"][data-state="ready"]');
    await expect.poll(() => ready.count(), { timeout: 90_000 }).toBe(16);
    const engines = await nodeList(ui.lab, 'spark');
    const expected = (manager: string): string =>
      manager === 'Leader' ? 'leader' : manager ? 'manager' : 'worker';
    const shown: Record<string, string | null> = {};
    for (const name of ALL) shown[name] = await page.getByTestId(`card-${name}`).getAttribute('data-role');
    expect(shown).toEqual(
      Object.fromEntries(ALL.map((n) => [n, expected(engines.find((e) => e.host === n)!.manager)])),
    );
    expect(Object.values(shown).filter((r) => r === 'manager' || r === 'leader')).toHaveLength(5);
    await page.screenshot({ path: join(DOCS, 'ui-canvas.png') });
  });

  it('runs a batch exec on three selected nodes and shows their hostnames', async () => {
    await page.getByTestId('card-agx-01').click();
    await page.getByTestId('card-agx-02').click({ modifiers: ['Shift'] });
    await page.getByTestId('card-agx-03').click({ modifiers: ['Shift'] });
    await page.getByTestId('tab-exec').click();
    await page.getByTestId('exec-command').fill('hostname');
    await page.getByTestId('exec-run').click();
    const result = page.getByTestId('exec-result');
    await result.waitFor({ timeout: 60_000 });
    const text = await result.innerText();
    expect(text).toContain('3/3 succeeded');
    for (const h of ['agx-01', 'agx-02', 'agx-03']) expect(text).toMatch(new RegExp(`^${h}$`, 'm'));
  });

  it('selects the cards a box dragged on the canvas touches (lasso) and runs a batch exec on them', async () => {
    const picked = await lassoBottomRow(page, ALL, 3);
    for (const id of picked) await page.locator(`[data-testid="card-${id}"].selected`).waitFor();
    const selected: string[] = [];
    for (const id of ALL) {
      if ((await page.getByTestId(`card-${id}`).getAttribute('class'))!.includes('selected'))
        selected.push(id);
    }
    expect(selected.sort()).toEqual([...picked].sort());
    // A fresh exec panel (the previous answer gone), on the lasso's selection.
    await page.getByTestId('tab-details').click();
    await page.getByTestId('tab-exec').click();
    await page.getByTestId('exec-command').fill('hostname');
    await page.getByTestId('exec-run').click();
    const result = page.getByTestId('exec-result');
    await result.waitFor({ timeout: 60_000 });
    const text = await result.innerText();
    expect(text).toContain('3/3 succeeded');
    for (const h of picked) expect(text).toMatch(new RegExp(`^${h}$`, 'm'));
  });

  it('opens a terminal on a node and runs a command in it', async () => {
    await page.getByTestId('card-agx-04').click();
    await page.getByTestId('tab-details').click();
    await page.getByTestId('open-terminal').click();
    const term = page.getByTestId('terminal-agx-04');
    await term.locator('.xterm-rows').getByText('root@agx-04').first().waitFor({ timeout: 60_000 });
    await term.click();
    await page.keyboard.type('echo answer-$((6*7))-$(hostname)\n');
    await term
      .locator('.xterm-rows')
      .getByText('answer-42-agx-04', { exact: true })
      .waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(DOCS, 'ui-terminal.png') });
  });

  it('scales a service from the services panel (replicas checked on the engines)', async () => {
    await page.getByTestId('tab-services').click();
    await page.getByTestId('scale-input-web').fill('3');
    await page.getByTestId('scale-web').click();
    await confirmDialog();
    const counts = await poll('3 web tasks running', async () => {
      const c = await webTasks();
      return total(c) === 3 ? c : undefined;
    });
    expect(Object.keys(counts).every((n) => IMAGE_HOSTS.includes(n))).toBe(true);
    // filter, not getByText: the cell's own text (getByText looks only below the cell).
    await page.getByTestId('replicas-web').filter({ hasText: '3/3' }).waitFor({ timeout: 60_000 });
  });

  it('drains a node from its details panel: its tasks move (checked on the engines)', async () => {
    const before = await webTasks();
    const busy = Object.keys(before).find((n) => before[n]! > 0)!;
    await page.getByTestId(`card-${busy}`).click();
    await page.getByTestId('tab-details').click();
    await page.getByTestId('action-drain').click();
    await confirmDialog();
    const after = await poll(`web's tasks to leave ${busy}`, async () => {
      const c = await webTasks();
      return !c[busy] && total(c) === 3 ? c : undefined;
    });
    expect(after[busy]).toBeUndefined();
    const availability = await ui.lab.exec(
      'spark',
      `docker node inspect ${busy} --format '{{.Spec.Availability}}'`,
    );
    expect(availability.stdout.trim()).toBe('drain');
    await page.locator(`[data-testid="card-${busy}"][data-state="drain"]`).waitFor({ timeout: 60_000 });
  });

  it('backs up a node from its right-click menu; the Backups panel lists it with what it holds', async () => {
    await ui.lab.exec(BACKUP_HOST, 'mkdir -p /etc/fleet && echo "node=agx-07 v1" > /etc/fleet/node.conf');
    await page.getByTestId(`card-${BACKUP_HOST}`).click({ button: 'right' });
    await page.getByTestId('context-menu').getByText('Run a backup').click();
    await confirmDialog();
    const notice = page.getByTestId('notice');
    await notice.getByText(/backup \S+ complete \(1 item\)/).waitFor({ timeout: 120_000 });
    const id = /backup (\S+) complete/.exec(await notice.innerText())![1]!;
    // The CLI sees the same backup in the same store.
    const ls = await fleet(ui.lab, ui.cwd, ['backup', 'ls', '--json', ...store]);
    expect(ls.code, ls.stderr).toBe(0);
    expect((JSON.parse(ls.stdout) as { backups: unknown[] }).backups).toEqual([
      expect.objectContaining({ id, status: 'complete', hosts: [BACKUP_HOST] }),
    ]);
    await page.getByTestId('tab-backups').click();
    await page.getByTestId(`backup-${id}`).click();
    await page
      .getByTestId(`backup-items-${id}`)
      .getByText(`${BACKUP_HOST}: path /etc/fleet`)
      .waitFor({ timeout: 30_000 });
    expect(await page.content()).not.toContain(SECRET_KEY);
  });

  it('restores a backup only after the question in the page: Cancel changes nothing, Yes restores', async () => {
    await ui.lab.exec(BACKUP_HOST, 'echo "node=agx-07 v2" > /etc/fleet/node.conf');
    const row = page.locator('[data-testid^="backup-items-"]');
    const id = (await row.getAttribute('data-testid'))!.replace('backup-items-', '');
    const notice = page.getByTestId('notice');
    const question = page.getByTestId('question-dialog');
    // Onto a node the backup holds nothing of (-n, the drained node selected above): refused as
    // fleet restore refuses it, before anything is asked.
    await page.getByTestId(`restore-selection-${id}`).check();
    await page.getByTestId(`restore-${id}`).click();
    await notice
      .getByText(`backup ${id} has nothing to restore for this selection`)
      .waitFor({ timeout: 60_000 });
    expect(await question.count()).toBe(0);
    await page.getByTestId(`restore-selection-${id}`).uncheck();
    await page.getByTestId(`restore-${id}`).click();
    await question.waitFor({ timeout: 120_000 });
    // The operation's own question (after it verified every checksum), with what would change.
    expect(await question.innerText()).toContain(`${BACKUP_HOST}: extract path /etc/fleet in place`);
    await question.getByTestId('confirm-no').click();
    await notice.getByText('restore not confirmed: nothing was changed').waitFor({ timeout: 60_000 });
    expect(await nodeConf()).toBe('node=agx-07 v2');
    await page.getByTestId(`restore-${id}`).click();
    await question.waitFor({ timeout: 120_000 });
    await question.getByTestId('confirm-yes').click();
    await notice.getByText(`Restore ${id}: done`).waitFor({ timeout: 120_000 });
    expect(await nodeConf()).toBe('node=agx-07 v1');
  });

  it('turns a card down within 15 s of its link being cut, and back when it returns', async () => {
    await ui.lab.cutLink('agx-09');
    try {
      // The requirement: the card changes within 15 s of the cut.
      await page.locator('[data-testid="card-agx-09"][data-state="down"]').waitFor({ timeout: 15_000 });
    } finally {
      await ui.lab.restoreLink('agx-09');
    }
    await page.locator('[data-testid="card-agx-09"][data-state="ready"]').waitFor({ timeout: 90_000 });
  });
});
