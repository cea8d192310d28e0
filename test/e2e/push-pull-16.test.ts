/**
 * `fleet push` and `fleet pull` at the scale (issue 12): the built CLI pushes a nested tree
 * with modes, mtimes and a 50 MB file to 16 lab hosts (lab `x16`, subnet 47, sshd-only hosts), every
 * host is checked with `sha256sum` and `stat` of its own, a re-run sends nothing, and a pull gathers
 * a folder from all 16 into LOCALDIR/<host>/. 16 × 50 MB is above the worker-thread threshold, so
 * the hosts are spread over threads as a user's push of that size is.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/index.js';
import { schemaValidator } from '../helpers/report-schema.js';
import { ensureBuilt, runFleet, scratchDir } from './exec-helpers.js';

const HOSTS = Array.from({ length: 16 }, (_, i) => `p${String(i + 1).padStart(2, '0')}`);
/** Type, mode and path of everything, then the sha256 of every file: what must match on every host. */
const LISTING =
  "find . -printf '%y %m %p\\n' | sort && find . -type f -print0 | sort -z | xargs -0 sha256sum && find . -type f -printf '%T@ %p\\n' | sed 's/\\.[0-9]* / /' | sort";
const validateTransfer = schemaValidator('transfer-report.schema.json');
let lab: Lab;
let src: string;
let cwd: string;

interface TransferReport {
  hosts: { id: string; status: string; files_sent: number; files_skipped: number; sha256_verified: number }[];
}

function lastReport(kind: 'push' | 'pull'): TransferReport {
  const names = readdirSync(join(cwd, 'reports'))
    .filter((n) => n.startsWith(`${kind}-`))
    .sort();
  const report = JSON.parse(readFileSync(join(cwd, 'reports', names.at(-1)!), 'utf8')) as TransferReport;
  expect(validateTransfer(report), JSON.stringify(validateTransfer.errors)).toBe(true);
  return report;
}

beforeAll(async () => {
  await ensureBuilt();
  lab = await startLab({ id: 'x16', subnet: 47, hosts: HOSTS.map((name) => ({ name, docker: false })) });
  cwd = scratchDir('push16');
  lab.writeInventory(join(cwd, 'nodes.yml'));
  src = join(scratchDir('push16-src'), 'models');
  mkdirSync(join(src, 'conf/a/b'), { recursive: true });
  mkdirSync(join(src, 'bin'));
  writeFileSync(join(src, 'model.bin'), randomBytes(50 * 1024 * 1024));
  chmodSync(join(src, 'model.bin'), 0o640);
  utimesSync(join(src, 'model.bin'), 1_650_000_000, 1_650_000_000);
  writeFileSync(join(src, 'bin/serve.sh'), '#!/bin/sh\nexec sleep 1\n');
  chmodSync(join(src, 'bin/serve.sh'), 0o755);
  writeFileSync(join(src, 'conf/a/b/deep.yml'), 'deep: true\n');
  chmodSync(join(src, 'conf/a/b/deep.yml'), 0o600);
  for (let i = 0; i < 20; i++) writeFileSync(join(src, 'conf', `part-${i}.txt`), `part ${i}\n`);
}, 180_000);

afterAll(async () => {
  await lab?.down();
});

it('pushes a nested tree with a 50 MB file to 16 hosts: each host checked with sha256sum and stat', async () => {
  const res = await runFleet(lab, ['push', '--all', '--mkdir', src, '/srv/ml/'], { cwd });
  expect(res.exitCode, res.stderr).toBe(0);
  const report = lastReport('push');
  expect(report.hosts.map((h) => h.id).sort()).toEqual(HOSTS);
  for (const h of report.hosts)
    expect([h.status, h.files_sent, h.sha256_verified], h.id).toEqual(['success', 23, 23]);
  const local = (await execa('sh', ['-c', LISTING], { cwd: src })).stdout.trim();
  expect(local).toContain('640 ./model.bin');
  expect(local).toContain('1650000000 ./model.bin');
  const listings = await Promise.all(HOSTS.map((h) => lab.exec(h, `cd /srv/ml/models && ${LISTING}`)));
  listings.forEach((r, i) => expect(r.stdout.trim(), HOSTS[i]).toBe(local));
  // No temp name left behind anywhere.
  const temps = await Promise.all(HOSTS.map((h) => lab.exec(h, "find /srv/ml -name '.*.fleet-*'")));
  expect(temps.map((r) => r.stdout)).toEqual(HOSTS.map(() => ''));
}, 300_000);

it('a re-run sends nothing: every file on every host is skipped by its sha256', async () => {
  const res = await runFleet(lab, ['push', '--all', src, '/srv/ml/'], { cwd });
  expect(res.exitCode, res.stderr).toBe(0);
  const report = lastReport('push');
  for (const h of report.hosts)
    expect([h.status, h.files_sent, h.files_skipped], h.id).toEqual(['success', 0, 23]);
}, 300_000);

it('pulls a folder from 16 hosts into LOCALDIR/<host>/, each verified', async () => {
  await Promise.all(HOSTS.map((h) => lab.exec(h, `echo ${h} > /srv/ml/models/conf/who.txt`)));
  const into = scratchDir('pull16');
  const res = await runFleet(lab, ['pull', '--all', '/srv/ml/models/conf', into], { cwd });
  expect(res.exitCode, res.stderr).toBe(0);
  const report = lastReport('pull');
  for (const h of report.hosts)
    expect([h.status, h.files_sent, h.sha256_verified], h.id).toEqual(['success', 22, 22]);
  for (const h of HOSTS) {
    expect(readFileSync(join(into, h, 'conf/who.txt'), 'utf8')).toBe(`${h}\n`);
    expect(readFileSync(join(into, h, 'conf/a/b/deep.yml'), 'utf8')).toBe('deep: true\n');
    expect(statSync(join(into, h, 'conf/a/b/deep.yml')).mode & 0o777).toBe(0o600);
  }
  const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
  expect(sha(join(into, 'p16', 'conf/part-7.txt'))).toBe(sha(join(src, 'conf/part-7.txt')));
}, 300_000);
