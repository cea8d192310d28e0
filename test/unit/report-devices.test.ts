import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { compatDevices, devicesSuccessRate } from '../../src/core/report-devices.js';

const JQ_LINE = '.devices[] | select(.status != "success") | .ip';
const entry = (id: string, status: string, error: string | null = null) => ({
  id,
  ip: `10.0.0.${id.slice(1)}`,
  status,
  duration_seconds: 1.5,
  error,
});

describe('compatDevices: up/backup hosts as the old scripts read them', () => {
  const hosts = [
    entry('h1', 'ok'),
    entry('h2', 'unchanged'),
    entry('h3', 'failed', 'connect refused'),
    entry('h4', 'not-started'),
    entry('h5', 'interrupted'),
  ];
  const devices = compatDevices(hosts);

  it('maps ok and unchanged to success, keeps the other states and the fields scripts read', () => {
    expect(devices.map((d) => [d.id, d.status])).toEqual([
      ['h1', 'success'],
      ['h2', 'success'],
      ['h3', 'failed'],
      ['h4', 'not-started'],
      ['h5', 'interrupted'],
    ]);
    expect(devices[2]).toEqual({
      id: 'h3',
      ip: '10.0.0.3',
      status: 'failed',
      exit_code: null,
      duration_seconds: 1.5,
      output: '',
      error: 'connect refused',
    });
    expect(devicesSuccessRate(devices)).toBe(40);
    expect(devicesSuccessRate([])).toBe(0);
  });

  it("the old scripts' jq line prints exactly the hosts that are not as wanted", () => {
    const out = execFileSync('jq', ['-r', JQ_LINE], { input: JSON.stringify({ devices }) }).toString();
    expect(out).toBe('10.0.0.3\n10.0.0.4\n10.0.0.5\n');
  });

  it('matches the devices list of the up and backup report schemas', () => {
    for (const file of ['up-report', 'backup-report']) {
      const schema = JSON.parse(readFileSync(`schema/${file}.schema.json`, 'utf8'));
      const validate = new Ajv2020({ strict: false }).compile(schema.properties.devices);
      expect(validate(devices), JSON.stringify(validate.errors)).toBe(true);
      expect(schema.required).toContain('devices');
    }
  });
});
