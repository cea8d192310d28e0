/**
 * `fleet exec` at scale (lab id `scale`, subnet 3): 200 light hosts, the built CLI, all must succeed
 * and each must print its own hostname.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecReport } from '../../src/core/report.js';
import { startLab, type Lab } from '../lab/index.js';
import { ensureBuilt, runFleet, scratchDir } from './exec-helpers.js';

let lab: Lab;

beforeAll(async () => {
  await ensureBuilt();
  lab = await startLab({ id: 'scale', subnet: 3, hosts: [], light: 200 });
}, 300_000);

afterAll(async () => {
  await lab?.down();
});

describe('fleet exec on 200 hosts', () => {
  it('every host succeeds and prints its own name', async () => {
    const cwd = scratchDir('scale');
    const r = await runFleet(
      lab,
      ['exec', '-n', 'light-[001-200]', '-c', '64', '--report', 'r.json', '--', 'hostname'],
      {
        cwd,
      },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(cwd, 'r.json'), 'utf8')) as ExecReport;
    expect(report).toMatchObject({ total_devices: 200, successful: 200, failed: 0, success_rate: 100 });
    for (const host of report.devices) expect(host.output).toBe(`${host.id}\n`);
    expect(new Set(r.stdout.split('\n').filter(Boolean)).size).toBe(200);
  });
});
