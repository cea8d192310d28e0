/**
 * `fleet backup` / `fleet restore` against a real S3 server (s3rver on 127.0.0.1, started here) on the
 * lab: a backup and a restore through S3, the server stopped in the middle of a large multipart
 * upload (clear error, exit 7, no manifest, nothing reported complete, no tar left on the host), a
 * single-manager swarm refused (exit 5) unless --allow-downtime, and the S3 credentials nowhere in
 * what fleet printed or wrote.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/index.js';
import { startS3Server, type TestS3Server } from '../helpers/s3-server.js';
import { fleet, workDir, writtenFiles, type CliRun } from './up-helpers.js';
import { readReport, reportSchemaErrors } from './backup-helpers.js';

const NAMES = ['spark', 'agx-01'];
const ACCESS_KEY = `AKIAFLEET${randomBytes(6).toString('hex').toUpperCase()}`;
const SECRET_KEY = randomBytes(30).toString('base64');
let lab: Lab;
let cwd: string;
let s3: TestS3Server;
let stopOnPart: string | undefined;
/** Every ACL a request asked for: a canned `x-amz-acl` or an explicit `x-amz-grant-*`. */
const aclRequests: string[] = [];
const runs: CliRun[] = [];

async function sh(host: string, command: string): Promise<string> {
  const r = await lab.exec(host, command);
  if (r.code !== 0) throw new Error(`${host}: ${command}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

async function run(args: string[]): Promise<CliRun> {
  const result = await fleet(lab, cwd, [
    ...args,
    '--to',
    's3://fleet-backups/lab/a',
    '--s3-endpoint',
    s3.endpoint,
  ]);
  runs.push(result);
  return result;
}

beforeAll(async () => {
  s3 = await startS3Server(['fleet-backups'], {
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
    onRequest: (method, url, headers) => {
      for (const [name, value] of Object.entries(headers)) {
        if (name === 'x-amz-acl' || name.startsWith('x-amz-grant-'))
          aclRequests.push(`${method} ${url} ${name}: ${String(value)}`);
      }
      if (method === 'PUT' && /[?&]acl(=|&|$)/.test(url)) aclRequests.push(`${method} ${url}`);
      // Stop the store while a multipart upload is under way: the second part of the big object.
      if (stopOnPart && method === 'PUT' && url.includes(stopOnPart) && url.includes('partNumber=2')) {
        stopOnPart = undefined;
        void s3.stop();
      }
    },
  });
  process.env.AWS_ACCESS_KEY_ID = ACCESS_KEY;
  process.env.AWS_SECRET_ACCESS_KEY = SECRET_KEY;
  lab = await startLab({ id: 'bks3', subnet: 11, hosts: NAMES.map((name) => ({ name })) });
  cwd = workDir('bks3');
  lab.writeInventory(join(cwd, 'nodes.yml'));
  for (const h of NAMES) await sh(h, `mkdir -p /etc/fleet && echo "node=${h}" > /etc/fleet/node.conf`);
});

afterAll(async () => {
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
  await lab?.down();
  await s3?.dispose();
});

describe('fleet backup to S3', () => {
  it('backs up to S3 and restores a wiped path from it', async () => {
    const backup = await run(['backup', '--only', 'paths']);
    expect(backup.code, backup.stderr).toBe(0);
    const report = readReport(cwd, 'backup');
    expect(reportSchemaErrors(report)).toBe('');
    expect(report.complete).toBe(true);
    expect(report.items.map((i) => i.key).sort()).toEqual([
      `${report.backup_id}/agx-01/path-etc-fleet.tar.gz`,
      `${report.backup_id}/spark/path-etc-fleet.tar.gz`,
    ]);
    const ls = await run(['backup', 'ls', '--json']);
    const listed = JSON.parse(ls.stdout) as { store: string; backups: { id: string; status: string }[] };
    expect(listed.store).toBe('s3://fleet-backups/lab/a');
    expect(listed.backups).toEqual([expect.objectContaining({ id: report.backup_id, status: 'complete' })]);

    await sh('agx-01', 'rm -rf /etc/fleet');
    const restore = await run(['restore', report.backup_id!, '-n', 'agx-01', '--yes']);
    expect(restore.code, restore.stderr).toBe(0);
    expect(await sh('agx-01', 'cat /etc/fleet/node.conf')).toBe('node=agx-01\n');
  });

  it('fails clearly when S3 stops mid-upload: exit 7, no manifest, nothing complete', async () => {
    // 48 MiB of incompressible data: six 8 MiB parts, the server goes away at the second.
    await sh('spark', 'mkdir -p /srv/big && head -c 50331648 /dev/urandom > /srv/big/blob');
    stopOnPart = 'path-srv-big.tar';
    const backup = await run(['backup', '-n', 'spark', '--only', 'paths', '--path', '/srv/big', '--no-gzip']);
    expect(stopOnPart).toBeUndefined();
    expect(backup.code, backup.stderr).toBe(7);
    expect(backup.stderr).toMatch(
      /S3 upload of s3:\/\/fleet-backups\/lab\/a\/\d{8}T\d{6}Z\/spark\/path-srv-big\.tar failed/,
    );
    const report = readReport(cwd, 'backup');
    expect(reportSchemaErrors(report)).toBe('');
    expect(report.complete).toBe(false);
    expect(report.exit_code).toBe(7);
    expect(report.items.find((i) => i.source === '/srv/big')!.status).toBe('failed');
    expect(report.hosts.map((h) => h.status)).toEqual(['failed']);
    // Nothing keeps streaming on the host.
    expect((await lab.exec('spark', 'pgrep -x tar')).code).toBe(1);

    await s3.start();
    const ls = await run(['backup', 'ls', '--json']);
    const listed = JSON.parse(ls.stdout) as { backups: { id: string; status: string }[] };
    expect(listed.backups.find((b) => b.id === report.backup_id)?.status ?? 'absent').not.toBe('complete');
    expect(listed.backups.filter((b) => b.status === 'complete')).toHaveLength(1);
    expect(listed.backups.find((b) => b.id === report.backup_id)?.status).toBe('incomplete');
  });

  it('refuses to stop the only manager unless --allow-downtime (exit 5), then backs it up to S3', async () => {
    await sh('spark', `docker swarm init --advertise-addr ${lab.host('spark').ip} >/dev/null`);
    const refused = await run(['backup', '-n', 'spark', '--only', 'swarm']);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain('single manager');
    expect(refused.stderr).toContain('--allow-downtime');
    expect(await sh('spark', 'systemctl is-active docker')).toBe('active\n');

    const allowed = await run(['backup', '-n', 'spark', '--only', 'swarm', '--allow-downtime']);
    expect(allowed.code, allowed.stderr).toBe(0);
    const report = readReport(cwd, 'backup');
    expect(report.complete).toBe(true);
    expect(report.swarm).toMatchObject({ host: 'spark', was_leader: true });
    expect(
      await sh('spark', "docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}'"),
    ).toBe('active true\n');
  });

  it('keeps every object private: no request set an ACL (issue 8 #7)', () => {
    // s3rver does not store ACLs (its GetObjectAcl is a fixed stub answering owner FULL_CONTROL), so
    // what is checked is what fleet sends: no canned ACL and no grants on any PUT, part or copy.
    // Objects then carry the bucket owner's private default on S3 and MinIO.
    expect(runs.filter((r) => r.code === 0).length).toBeGreaterThan(2);
    expect(aclRequests).toEqual([]);
  });

  it('never shows the S3 credentials', () => {
    const everything = runs.map((r) => r.stdout + r.stderr).join('\n') + writtenFiles(cwd);
    expect(runs.length).toBeGreaterThan(4);
    expect(everything).not.toContain(SECRET_KEY);
    expect(everything).not.toContain(ACCESS_KEY);
  });
});
