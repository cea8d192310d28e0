import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import {
  buildExecReport,
  execExitCode,
  failedHostIds,
  successRate,
  withoutOutput,
  type ExecHostReport,
} from '../../src/core/report.js';

const schema = JSON.parse(
  readFileSync(new URL('../../schema/exec-report.schema.json', import.meta.url), 'utf8'),
);
const ajv = new Ajv2020({ allErrors: true });
addFormats.default(ajv);
const validate = ajv.compile(schema);

function host(id: string, over: Partial<ExecHostReport> = {}): ExecHostReport {
  return {
    id,
    ip: '10.77.2.10',
    status: 'success',
    exit_code: 0,
    duration_seconds: 0.2,
    output: `${id}\n`,
    stderr: '',
    error: null,
    failure: null,
    ...over,
  };
}
const failed = (id: string, failure: ExecHostReport['failure'], exit: number | null = null) =>
  host(id, { status: 'failed', failure, exit_code: exit, error: `${failure}`, output: '' });

describe('buildExecReport', () => {
  it('counts statuses and computes success_rate as a percent of all hosts', () => {
    const report = buildExecReport({
      command: 'hostname',
      startedAt: new Date('2025-01-02T03:04:05.678Z'),
      durationMs: 1234,
      hosts: [
        host('a'),
        host('b'),
        failed('c', 'connect'),
        host('d', { status: 'interrupted', failure: 'interrupted' }),
      ],
    });
    expect(report).toMatchObject({
      command: 'hostname',
      timestamp: '2025-01-02T03:04:05.678Z',
      total_devices: 4,
      successful: 2,
      failed: 1,
      interrupted: 1,
      success_rate: 50,
      duration_seconds: 1.234,
      was_interrupted: true,
    });
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
  });

  it('rounds success_rate to two decimals and handles no hosts', () => {
    expect(successRate(1, 3)).toBe(33.33);
    expect(successRate(2, 3)).toBe(66.67);
    expect(successRate(0, 0)).toBe(0);
    expect(successRate(15, 15)).toBe(100);
  });

  it('the schema rejects a report with an unknown failure kind', () => {
    const report = buildExecReport({
      command: 'x',
      startedAt: new Date(),
      durationMs: 1,
      hosts: [host('a')],
    });
    (report.devices[0] as { failure: string }).failure = 'boom';
    expect(validate(report)).toBe(false);
  });
});

describe('execExitCode', () => {
  const code = (hosts: ExecHostReport[], interrupted = false) =>
    execExitCode({ devices: hosts, was_interrupted: interrupted });

  it('0 when every host succeeded', () => expect(code([host('a'), host('b')])).toBe(0));
  it('1 when a command exited non-zero or died by a signal', () => {
    expect(code([host('a'), failed('b', 'exit', 2)])).toBe(1);
    expect(code([failed('b', 'signal')])).toBe(1);
  });
  it('3 for unreachable/auth/hostkey/timeout, winning over 1 in any order', () => {
    for (const kind of ['connect', 'auth', 'hostkey', 'timeout'] as const) {
      expect(code([failed('a', 'exit', 1), failed('b', kind)])).toBe(3);
      expect(code([failed('b', kind), failed('a', 'exit', 1)])).toBe(3);
    }
  });
  it('130 when interrupted, whatever else happened', () => {
    expect(
      code([failed('a', 'connect'), host('b', { status: 'interrupted', failure: 'interrupted' })], true),
    ).toBe(130);
  });
});

describe('failedHostIds', () => {
  it('lists failed and interrupted hosts in order, not successful ones', () => {
    const devices = [
      host('a'),
      failed('b', 'exit', 1),
      host('c', { status: 'interrupted' }),
      failed('d', 'auth'),
    ];
    expect(failedHostIds({ devices })).toEqual(['b', 'c', 'd']);
  });

  it('still reads a report written before issue 10 (`hosts`, status ok), and nothing else', () => {
    const hosts = [
      { id: 'a', status: 'ok' },
      { id: 'b', status: 'failed' },
    ];
    expect(failedHostIds({ hosts })).toEqual(['b']);
    expect(failedHostIds({ command: 'x' })).toBeUndefined();
  });
});

describe('a report with cut output', () => {
  const cut = {
    total_bytes: 52_428_800,
    kept_bytes: 1_048_576,
    sha256: 'a'.repeat(64),
    full_output: 'out/h1.out',
  };
  const report = buildExecReport({
    command: 'big',
    startedAt: new Date('2026-01-01T00:00:00Z'),
    durationMs: 1000,
    maxOutputBytes: 1_048_576,
    hosts: [host('h1', { truncated: { stdout: cut } }), host('h2')],
  });

  it('records the limit and what was cut, and the schema accepts it', () => {
    expect(report.max_output_bytes).toBe(1_048_576);
    expect(report.devices[0]?.truncated?.stdout).toEqual(cut);
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(
      validate({ ...report, devices: [host('h1', { truncated: { stdout: { ...cut, sha256: 'x' } } })] }),
    ).toBe(false);
  });

  it('last-exec.json leaves the output out and points at the full report', () => {
    const last = withoutOutput(report, 'reports/exec-1.json');
    expect(last.full_report).toBe('reports/exec-1.json');
    expect(last.devices.map((h) => [h.id, h.status, h.output, h.stderr])).toEqual([
      ['h1', 'success', '', ''],
      ['h2', 'success', '', ''],
    ]);
    expect(failedHostIds(last)).toEqual(failedHostIds(report));
    expect(validate(last), JSON.stringify(validate.errors)).toBe(true);
  });
});
