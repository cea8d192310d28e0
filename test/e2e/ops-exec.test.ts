/**
 * The exec operation without a terminal (issue 9): `run(input, runtime)` called directly against a
 * 2-host lab (id `opsx`, subnet 30) with a test Runtime, asserting the typed report, the events the
 * operation emitted for its front end, and the report files it wrote through the runtime.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostTarget } from '../../src/core/host.js';
import { run } from '../../src/ops/exec/run.js';
import { startLab, type Lab } from '../lab/index.js';
import { labSsh, labTarget, testRuntime } from '../helpers/runtime.js';

let lab: Lab;

beforeAll(async () => {
  lab = await startLab({
    id: 'opsx',
    subnet: 30,
    hosts: [
      { name: 'x1', docker: false },
      { name: 'x2', docker: false },
    ],
  });
});

afterAll(async () => {
  await lab?.down();
});

const target = (name: string): HostTarget => labTarget(lab, name);
const runtime = () => testRuntime({ ssh: labSsh(lab) });

describe('ops/exec run(input, runtime) on the lab', () => {
  it('returns each host’s exit code and output, streams lines as events, writes the report', async () => {
    const rt = runtime();
    try {
      const { result, reportPath, error } = await run(
        {
          command: 'echo "hi from $(hostname)"; [ "$(hostname)" = x2 ] && exit 3; exit 0',
          hosts: [target('x1'), target('x2')],
          concurrency: 2,
        },
        rt,
      );
      expect(error).toBeUndefined();
      const byId = new Map(result.devices.map((h) => [h.id, h]));
      expect(byId.get('x1')).toMatchObject({
        status: 'success',
        exit_code: 0,
        output: 'hi from x1\n',
        failure: null,
      });
      expect(byId.get('x2')).toMatchObject({
        status: 'failed',
        exit_code: 3,
        output: 'hi from x2\n',
        failure: 'exit',
        error: 'exit code 3',
      });
      expect(result.total_devices).toBe(2);
      expect(result.successful).toBe(1);

      // The front end sees each line as it arrives, and the end of the run.
      const lines = rt.events.flatMap((e) => (e.type === 'host:output' ? [`${e.host}: ${e.line}`] : []));
      expect(lines.sort()).toEqual(['x1: hi from x1', 'x2: hi from x2']);
      expect(rt.events.at(-1)).toMatchObject({ type: 'run:done', ok: false, interrupted: false });

      // The report went through rt.writeReport: full report at reportPath, last-exec.json without output.
      expect(reportPath?.startsWith(rt.reportsDir)).toBe(true);
      const written = JSON.parse(readFileSync(reportPath!, 'utf8')) as typeof result;
      expect(written.devices.map((h) => h.output).sort()).toEqual(['hi from x1\n', 'hi from x2\n']);
      const last = JSON.parse(
        readFileSync(join(rt.reportsDir, 'last-exec.json'), 'utf8'),
      ) as typeof result & {
        full_report: string;
      };
      expect(last.full_report).toBe(reportPath);
      expect(last.devices.map((h) => [h.id, h.output, h.exit_code])).toEqual([
        ['x1', '', 0],
        ['x2', '', 3],
      ]);
    } finally {
      await rt.close();
    }
  });

  it('--group: one output:group event per distinct output, folded host names', async () => {
    const rt = runtime();
    try {
      const { result } = await run(
        { command: 'echo same', hosts: [target('x1'), target('x2')], concurrency: 2, group: true },
        rt,
      );
      expect(result.devices.map((h) => h.exit_code)).toEqual([0, 0]);
      const groups = rt.events.filter((e) => e.type === 'output:group');
      expect(groups).toHaveLength(1);
      expect(groups[0]).toMatchObject({ label: 'x[1-2] (2)', hosts: ['x1', 'x2'], stdout: 'same\n' });
    } finally {
      await rt.close();
    }
  });

  it('an aborted runtime starts no host: every host is reported interrupted', async () => {
    const rt = runtime();
    rt.abort();
    try {
      const { result } = await run(
        { command: 'true', hosts: [target('x1'), target('x2')], concurrency: 2 },
        rt,
      );
      expect(result.was_interrupted).toBe(true);
      expect(result.devices.map((h) => [h.id, h.status, h.failure])).toEqual([
        ['x1', 'interrupted', 'interrupted'],
        ['x2', 'interrupted', 'interrupted'],
      ]);
    } finally {
      await rt.close();
    }
  });
});
