/**
 * Output a host cannot abuse (issue 8, points 9 and 10), on the lab (id `xout`, subnet 24, four
 * light hosts, the built CLI): a 50 MB line without newline and 20 MB floods stay bounded in the
 * report and exact in --outdir; --group survives a million lines; control characters from a host
 * never reach the terminal raw. Speed and memory are measured in bench/output.ts, not here.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecReport } from '../../src/core/report.js';
import { startLab, type Lab } from '../lab/index.js';
import { execa } from 'execa';
import { ensureBuilt, FLEET, fleetEnv, runFleet, scratchDir } from './exec-helpers.js';

const MIB = 1024 * 1024;
const BIG = 50 * MIB;
const FLOOD = 20 * MIB;
let lab: Lab;

beforeAll(async () => {
  await ensureBuilt();
  lab = await startLab({ id: 'xout', subnet: 24, hosts: [], light: 4 });
}, 120_000);

afterAll(async () => {
  await lab?.down();
});

/**
 * fleet with its stdout redirected by a shell to <cwd>/stdout.txt: hundreds of MB never pass through
 * the test's memory, and the file is complete when fleet exits.
 */
function runFleetToFile(args: string[], cwd: string) {
  return execa('sh', ['-c', 'exec "$0" "$@" > stdout.txt', process.execPath, FLEET, ...args], {
    reject: false,
    extendEnv: false,
    cwd,
    env: fleetEnv(lab),
    stdin: 'ignore',
  });
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Lines of a file per prefix ("light-001: "), and their text length without the prefix. */
async function prefixedLines(path: string): Promise<Map<string, { lines: number; chars: number }>> {
  const seen = new Map<string, { lines: number; chars: number }>();
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    const m = /^(light-\d{3}): /.exec(line);
    const key = m ? m[1]! : '(no prefix)';
    const entry = seen.get(key) ?? { lines: 0, chars: 0 };
    entry.lines++;
    entry.chars += line.length - (m ? m[0].length : 0);
    seen.set(key, entry);
  }
  return seen;
}

describe('fleet exec with hostile output', () => {
  // 110 MB through SSH: minutes when the CI machine is busy; the speed itself is measured in bench/.
  it(
    'a 50 MB line and three 20 MB floods: bounded report, truncation recorded, exact --outdir, exit 1',
    { timeout: 600_000 },
    async () => {
      const cwd = scratchDir('execbig');
      // light-001: 50 MB of "x" without a newline, then exit 5; the others 20 MB of short lines.
      const command =
        'case $(hostname) in light-001) head -c 52428800 /dev/zero | tr "\\0" x; exit 5;; ' +
        '*) yes "fleet flood line" | head -c 20971520;; esac';
      const r = await runFleetToFile(
        ['exec', '-n', 'light-[001-004]', '--outdir', 'out', '--report', 'r.json', '--', command],
        cwd,
      );
      expect(r.exitCode, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/4 hosts: 3 ok, 1 failed: 1 non-zero exit/);

      // The report holds at most 1 MiB per host and stream: far below the 110 MB the hosts printed.
      expect(statSync(join(cwd, 'r.json')).size).toBeLessThan(5 * MIB);
      const report = JSON.parse(readFileSync(join(cwd, 'r.json'), 'utf8')) as ExecReport;
      expect(report.max_output_bytes).toBe(MIB);
      const big = report.devices.find((h) => h.id === 'light-001')!;
      expect(big).toMatchObject({ status: 'failed', failure: 'exit', exit_code: 5 });
      expect(big.truncated?.stdout).toEqual({
        total_bytes: BIG,
        kept_bytes: MIB,
        sha256: sha256(Buffer.alloc(BIG, 'x')),
        full_output: join('out', 'light-001.out'),
      });
      expect(big.output).toMatch(
        /^x{524288}\n\[fleet: 51380224 bytes cut here, 52428800 in total\]\nx{524288}$/,
      );
      const floodText = 'fleet flood line\n'.repeat(Math.ceil(FLOOD / 17)).slice(0, FLOOD);
      for (const id of ['light-002', 'light-003', 'light-004']) {
        const h = report.devices.find((x) => x.id === id)!;
        expect(h.status).toBe('success');
        expect(h.truncated?.stdout).toMatchObject({
          total_bytes: FLOOD,
          kept_bytes: MIB,
          sha256: sha256(floodText),
        });
        expect(h.truncated?.stderr).toBeUndefined();
      }

      // --outdir has every byte, exactly.
      expect(statSync(join(cwd, 'out/light-001.out')).size).toBe(BIG);
      expect(await fileSha256(join(cwd, 'out/light-001.out'))).toBe(big.truncated?.stdout?.sha256);
      expect(await fileSha256(join(cwd, 'out/light-002.out'))).toBe(sha256(floodText));

      // last-exec.json does not copy the output again; it points at the report that has it.
      expect(statSync(join(cwd, 'reports/last-exec.json')).size).toBeLessThan(64 * 1024);
      const last = JSON.parse(readFileSync(join(cwd, 'reports/last-exec.json'), 'utf8')) as ExecReport;
      expect(last.full_report).toBe('r.json');
      expect(last.devices.find((h) => h.id === 'light-001')).toMatchObject({
        status: 'failed',
        exit_code: 5,
      });

      // The terminal view streamed everything, as 64 KiB segments each under its host's prefix.
      const lines = await prefixedLines(join(cwd, 'stdout.txt'));
      expect(lines.get('(no prefix)')).toBeUndefined();
      expect(lines.get('light-001')).toEqual({ lines: BIG / (64 * 1024), chars: BIG });
      for (const id of ['light-002', 'light-003', 'light-004']) {
        // A line cut by `head -c` at 20 MiB is the last one, without its newline.
        expect(lines.get(id)).toEqual({
          lines: Math.ceil(FLOOD / 17),
          chars: FLOOD - Math.ceil(FLOOD / 17) + 1,
        });
      }
    },
  );

  it('--group folds a million lines per host without crashing', { timeout: 300_000 }, async () => {
    const cwd = scratchDir('execmillion');
    const r = await runFleetToFile(
      ['exec', '-n', 'light-001,light-002', '--group', '--max-output', '16M', '--', 'seq 1000000'],
      cwd,
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const out = readFileSync(join(cwd, 'stdout.txt'), 'utf8').split('\n');
    expect(out[0]).toBe('==== light-[001-002] (2) exit 0 ====');
    expect(out.slice(1, -1)).toHaveLength(1_000_000);
    expect(out[1_000_000]).toBe('1000000');
  });

  it('--group tells apart cut outputs that differ only in the middle', async () => {
    const cwd = scratchDir('execgroupcut');
    const command = 'seq 100000 | sed "50000s/.*/$(hostname)/"';
    const r = await runFleet(
      lab,
      ['exec', '-n', 'light-001,light-002', '--group', '--max-output', '4K', '--', command],
      {
        cwd,
      },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^==== light-001 \(1\) exit 0 ====$/m);
    expect(r.stdout).toMatch(/^==== light-002 \(1\) exit 0 ====$/m);
    expect(r.stdout).toMatch(/^\[fleet: \d+ bytes cut here, \d+ in total\]$/m);
  });

  it('a CR, ESC or BEL from a host reaches the terminal escaped; --outdir keeps the bytes', async () => {
    const cwd = scratchDir('execctl');
    const command = "printf 'x\\rspark: FAKE all good\\n\\033[2J\\033]0;owned\\007\\tend\\n'";
    const r = await runFleet(lab, ['exec', '-n', 'light-003', '--outdir', 'out', '--', command], { cwd });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('light-003: x\\rspark: FAKE all good\nlight-003: \\e[2J\\e]0;owned\\a\tend\n');
    // eslint-disable-next-line no-control-regex
    expect(r.stdout + r.stderr).not.toMatch(/[\r\x1b\x07]/);
    expect(readFileSync(join(cwd, 'out/light-003.out'))).toEqual(
      Buffer.from('x\rspark: FAKE all good\n\x1b[2J\x1b]0;owned\x07\tend\n', 'latin1'),
    );
    // The report keeps the exact text too (JSON escapes it).
    const report = JSON.parse(readFileSync(join(cwd, 'reports/last-exec.json'), 'utf8')) as ExecReport;
    expect(report.full_report).toMatch(/^reports\/exec-.*\.json$/);
    const full = JSON.parse(readFileSync(join(cwd, report.full_report!), 'utf8')) as ExecReport;
    expect(full.devices[0]?.output).toBe('x\rspark: FAKE all good\n\x1b[2J\x1b]0;owned\x07\tend\n');
  });
});
