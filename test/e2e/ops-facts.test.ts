/**
 * The facts operation without a terminal (issue 9): `run(input, runtime)` called directly against a
 * 2-host lab (id `opsf`, subnet 31) with a test Runtime, asserting the typed per-host result.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_TYPES } from '../../src/core/facts-device.js';
import type { HostTarget } from '../../src/core/host.js';
import { run } from '../../src/ops/facts/run.js';
import { startLab, type Lab } from '../lab/index.js';
import { labSsh, labTarget, testRuntime } from '../helpers/runtime.js';

let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ id: 'opsf', subnet: 31, hosts: [{ name: 'f1' }, { name: 'f2', docker: false }] });
});

afterAll(async () => {
  await lab?.down();
});

const target = (name: string, port?: number): HostTarget => labTarget(lab, name, port);

describe('ops/facts run(input, runtime) on the lab', () => {
  it('returns each host’s facts (device type, hostname, Docker) and a host-tagged error for the unreachable one', async () => {
    const rt = testRuntime({ ssh: labSsh(lab, { retries: 0 }) });
    try {
      // f1 twice: once through a port nothing listens on, so one host fails while the others answer.
      const dead = { ...target('f1', 1), id: 'f1-dead' };
      const results = await run({ hosts: [target('f1'), target('f2'), dead], concurrency: 3 }, rt);
      expect(results.map((r) => r.id)).toEqual(['f1', 'f2', 'f1-dead']);

      const [f1, f2, gone] = results;
      for (const [r, name] of [
        [f1, 'f1'],
        [f2, 'f2'],
      ] as const) {
        expect(r?.error, r?.error?.message).toBeUndefined();
        expect(r?.facts?.hostname).toBe(name);
        expect(DEVICE_TYPES).toContain(r?.facts?.deviceType);
        // Same machine, same clock: no invented skew.
        expect(r?.clockSkewSeconds).toBe(0);
      }
      // Both lab hosts are the same hardware, so the same device type.
      expect(f2?.facts?.deviceType).toBe(f1?.facts?.deviceType);
      expect(f1?.facts?.docker.status).toBe('ok');
      expect(f2?.facts?.docker.status).not.toBe('ok');

      expect(gone?.facts).toBeUndefined();
      expect(gone?.error?.host).toBe('f1-dead');
      expect(gone?.error?.exitCode).toBe(3);
    } finally {
      await rt.close();
    }
  });
});
