/**
 * `fleet exec` end to end on the lab (id `exec`, subnet 2): 20 light hosts + 1 full host, real sshd,
 * the built CLI. Every test picks its own hosts and scratch folder; faults are undone in `finally`.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecReport } from '../../src/core/report.js';
import { startLab, type Lab } from '../lab/index.js';
import { ANSI, ensureBuilt, ROOT, runFleet, scratchDir } from './exec-helpers.js';

const schema = JSON.parse(readFileSync(join(ROOT, 'schema/exec-report.schema.json'), 'utf8'));
const ajv = new Ajv2020({ allErrors: true });
addFormats.default(ajv);
const validate = ajv.compile(schema);

const PASSWORD = `pw-${randomBytes(9).toString('base64url')}`;
const light = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `light-${String(from + i).padStart(3, '0')}`);
// Fast failure for unreachable hosts: no retries, short connect timeout.
const FAST = ['--retries', '0', '--connect-timeout', '5'];

let lab: Lab;

// Processes still running `sleep N` on a host. The bracket keeps grep (and the shell running this
// line, whose arguments contain the pattern) from matching itself.
const LEFT = (n: string) => `ps -eo pid=,args= | grep -E 'sleep ${n.slice(0, -1)}[${n.slice(-1)}]' || true`;

function readReport(path: string): ExecReport {
  const report = JSON.parse(readFileSync(path, 'utf8')) as ExecReport;
  expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
  return report;
}
const byId = (report: ExecReport) => new Map(report.devices.map((h) => [h.id, h]));

beforeAll(async () => {
  await ensureBuilt();
  lab = await startLab({ id: 'exec', subnet: 2, hosts: [{ name: 'spark' }], light: 20, password: PASSWORD });
});

afterAll(async () => {
  await lab?.down();
});

describe('fleet exec on the lab', () => {
  it('runs on 20 hosts: each prints its own hostname, report valid, --outdir files, no ANSI in a pipe', async () => {
    const cwd = scratchDir('exec20');
    const hosts = light(1, 20);
    const r = await runFleet(lab, ['exec', '-n', 'light-[001-020]', '--outdir', 'out', '--', 'hostname'], {
      cwd,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    for (const h of hosts) expect(r.stdout).toContain(`${h}: ${h}\n`);
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(20);
    expect(ANSI.test(r.stdout + r.stderr)).toBe(false);

    const files = readdirSync(join(cwd, 'reports'));
    expect(files).toContain('last-exec.json');
    const stamped = files.filter((f) => /^exec-.*\.json$/.test(f));
    expect(stamped).toHaveLength(1);
    const report = readReport(join(cwd, 'reports', stamped[0] as string));
    expect(report).toMatchObject({
      command: 'hostname',
      total_devices: 20,
      successful: 20,
      failed: 0,
      success_rate: 100,
    });
    for (const h of report.devices) {
      expect(h).toMatchObject({
        status: 'success',
        exit_code: 0,
        output: `${h.id}\n`,
        failure: null,
        error: null,
      });
      expect(h.ip).toBe(lab.host(h.id).ip);
      expect(readFileSync(join(cwd, 'out', `${h.id}.out`), 'utf8')).toBe(`${h.id}\n`);
    }
  });

  it('a stopped host fails with `connect` while the others succeed; exit 3', async () => {
    const cwd = scratchDir('execstop');
    await lab.stopHost('light-005');
    try {
      const r = await runFleet(
        lab,
        ['exec', '-n', 'light-[001-008]', ...FAST, '--report', 'r.json', '--', 'hostname'],
        {
          cwd,
        },
      );
      expect(r.exitCode, r.stderr).toBe(3);
      const hosts = byId(readReport(join(cwd, 'r.json')));
      expect(hosts.get('light-005')).toMatchObject({ status: 'failed', failure: 'connect', exit_code: null });
      expect(hosts.get('light-005')?.error).toMatch(/light-005|10\.77\.2\./);
      for (const id of light(1, 8).filter((h) => h !== 'light-005'))
        expect(hosts.get(id)?.status).toBe('success');
      expect(r.stderr).toMatch(/light-005: failed \(connect\)/);
    } finally {
      await lab.startHost('light-005');
    }
  });

  it('a changed host key is refused and not retried; exit 3', async () => {
    const cwd = scratchDir('execkey');
    await lab.rotateHostKey('light-006');
    try {
      const r = await runFleet(
        lab,
        ['exec', '-n', 'light-006,light-007', '--retries', '3', '--report', 'r.json', '--', 'hostname'],
        { cwd },
      );
      expect(r.exitCode, r.stderr).toBe(3);
      const hosts = byId(readReport(join(cwd, 'r.json')));
      expect(hosts.get('light-006')).toMatchObject({ status: 'failed', failure: 'hostkey' });
      expect(hosts.get('light-006')?.error).toMatch(/SHA256:/);
      // A retried failure says "(after N attempts)"; a host-key failure must stop at the first.
      expect(hosts.get('light-006')?.error).not.toMatch(/attempts/);
      expect(hosts.get('light-007')?.status).toBe('success');
    } finally {
      await lab.refreshKnownHosts();
    }
  });

  it('logs in with a password from FLEET_SSH_PASSWORD as user fleet; the password is in no output or file', async () => {
    const cwd = scratchDir('execpw');
    const r = await runFleet(
      lab,
      ['exec', '-n', 'fleet@light-008,fleet@spark', '--outdir', 'out', '--', 'id -un'],
      {
        cwd,
        env: { FLEET_SSH_PASSWORD: PASSWORD },
      },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('light-008: fleet\n');
    expect(r.stdout).toContain('spark: fleet\n');
    const written = [
      ...readdirSync(join(cwd, 'reports')).map((f) => join(cwd, 'reports', f)),
      ...readdirSync(join(cwd, 'out')).map((f) => join(cwd, 'out', f)),
    ];
    for (const text of [r.stdout, r.stderr, ...written.map((f) => readFileSync(f, 'utf8'))]) {
      expect(text).not.toContain(PASSWORD);
    }
  });

  it('--timeout kills the remote command itself; nothing is left on the host', async () => {
    const cwd = scratchDir('exectimeout');
    const r = await runFleet(
      lab,
      ['exec', '-n', 'light-009', '--timeout', '2', '--report', 'r.json', '--', 'sleep 301'],
      {
        cwd,
      },
    );
    expect(r.exitCode, r.stderr).toBe(3);
    const host = byId(readReport(join(cwd, 'r.json'))).get('light-009');
    expect(host).toMatchObject({ status: 'failed', failure: 'timeout' });
    const left = await lab.exec('light-009', LEFT('301'));
    expect(left.stdout.trim()).toBe('');
  });

  it('SIGINT mid-run kills remote commands, writes a partial report with interrupted hosts, exit 130', async () => {
    const cwd = scratchDir('execint');
    const command = 'case $(hostname) in light-01[0-2]) echo quick;; *) sleep 302;; esac';
    const child = runFleet(
      lab,
      ['exec', '-n', 'light-[010-017]', '-c', '8', '--report', 'r.json', '--', command],
      {
        cwd,
      },
    );
    let quick = 0;
    let sent = false;
    child.stdout.on('data', (chunk: Buffer) => {
      quick += (chunk.toString().match(/quick/g) ?? []).length;
      if (quick >= 3 && !sent) {
        sent = true;
        // Give the slow hosts a moment to have their sleep running, then Ctrl-C.
        setTimeout(() => child.kill('SIGINT'), 500);
      }
    });
    const r = await child;
    expect(sent).toBe(true);
    expect(r.exitCode, r.stderr).toBe(130);
    const report = readReport(join(cwd, 'r.json'));
    expect(report.was_interrupted).toBe(true);
    const hosts = byId(report);
    for (const id of light(10, 12))
      expect(hosts.get(id)).toMatchObject({ status: 'success', output: 'quick\n' });
    for (const id of light(13, 17))
      expect(hosts.get(id)).toMatchObject({ status: 'interrupted', failure: 'interrupted' });
    expect(report.interrupted).toBe(5);
    for (const id of light(13, 17)) {
      const left = await lab.exec(id, LEFT('302'));
      expect(left.stdout.trim(), id).toBe('');
    }
  });

  it('--group folds identical outputs into one block per distinct result', async () => {
    const cwd = scratchDir('execgroup');
    const r = await runFleet(
      lab,
      [
        'exec',
        '-n',
        'light-[001-012]',
        '--group',
        '--',
        'case $(hostname) in light-00[1-3]) echo A;; *) echo B;; esac',
      ],
      { cwd },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines).toEqual([
      '==== light-[001-003] (3) exit 0 ====',
      'A',
      '==== light-[004-012] (9) exit 0 ====',
      'B',
    ]);
  });

  it('--rerun-failed targets only the hosts that failed in the last report', async () => {
    const cwd = scratchDir('execrerun');
    const first = await runFleet(
      lab,
      [
        'exec',
        '-n',
        'light-[001-006]',
        '--',
        'case $(hostname) in light-002|light-004) exit 7;; esac; hostname',
      ],
      { cwd },
    );
    expect(first.exitCode, first.stderr).toBe(1);
    const failed = byId(readReport(join(cwd, 'reports/last-exec.json')));
    expect(failed.get('light-002')).toMatchObject({ status: 'failed', failure: 'exit', exit_code: 7 });

    const again = await runFleet(lab, ['exec', '--rerun-failed', '--', 'hostname'], { cwd });
    expect(again.exitCode, again.stderr).toBe(0);
    const rerun = readReport(join(cwd, 'reports/last-exec.json'));
    expect(rerun.devices.map((h) => h.id)).toEqual(['light-002', 'light-004']);
    expect(again.stdout.split('\n').filter(Boolean).sort()).toEqual([
      'light-002: light-002',
      'light-004: light-004',
    ]);
    expect(existsSync(join(cwd, 'reports'))).toBe(true);
  });

  it("the old scripts' jq line reads the report as written: exactly the failed host's address", async () => {
    const cwd = scratchDir('execjq');
    const r = await runFleet(
      lab,
      ['exec', '-n', 'light-018,light-019', '--', 'case $(hostname) in light-019) exit 4;; esac'],
      { cwd },
    );
    expect(r.exitCode, r.stderr).toBe(1);
    for (const file of [
      'reports/last-exec.json',
      readdirSync(join(cwd, 'reports')).find((f) => f !== 'last-exec.json')!,
    ]) {
      const report = join(cwd, file.startsWith('reports/') ? file : `reports/${file}`);
      const jq = await execa('jq', ['-r', '.devices[] | select(.status != "success") | .ip', report]);
      expect(jq.stdout).toBe(lab.host('light-019').ip);
      const rate = await execa('jq', ['-r', '.success_rate', report]);
      expect(rate.stdout).toBe('50');
    }
  });

  it('--json prints only the report on stdout', async () => {
    const cwd = scratchDir('execjson');
    const r = await runFleet(lab, ['exec', '-n', 'light-001,light-002', '--json', '--', 'echo hi'], { cwd });
    expect(r.exitCode, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as ExecReport;
    expect(validate(report)).toBe(true);
    expect(report.devices.map((h) => h.output)).toEqual(['hi\n', 'hi\n']);
  });
});
