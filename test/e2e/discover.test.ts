/**
 * `fleet discover` over exactly the lab's range (lab disc): finds every SSH host, reads facts, writes
 * a draft nodes.yml that `fleet up` accepts; refuses ranges larger than /16 without --force.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startLab, type Lab } from '../lab/index.js';
import { fleet, workDir } from './up-helpers.js';

let lab: Lab;
let cwd: string;

beforeAll(async () => {
  lab = await startLab({
    id: 'disc',
    subnet: 14,
    hosts: [{ name: 'spark' }, { name: 'agx-01' }, { name: 'agx-02' }],
  });
  cwd = workDir('disc');
});

afterAll(async () => {
  await lab?.down();
});

describe('fleet discover', () => {
  it('refuses a range larger than /16 without --force', async () => {
    const run = await fleet(lab, cwd, ['discover', '--cidr', '10.0.0.0/8']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/larger than \/16 need --force/);
  });

  it('writes a draft nodes.yml from the hosts it finds in the lab range', async () => {
    const run = await fleet(lab, cwd, ['discover', '--cidr', lab.cidr, '--scan-timeout', '0.5']);
    expect(run.code, run.stderr).toBe(0);
    const draft = parse(readFileSync(join(cwd, 'nodes.yml'), 'utf8')) as {
      nodes: { id: string; ip: string; type: string }[];
    };
    expect(draft.nodes.map((n) => n.id).sort()).toEqual(['agx-01', 'agx-02', 'spark']);
    expect(draft.nodes.find((n) => n.id === 'spark')!.ip).toBe(lab.host('spark').ip);
    for (const n of draft.nodes) expect(n.type).toBeTruthy();
    // The draft is a valid inventory: plan reads it and has work to do.
    const plan = await fleet(lab, cwd, ['plan']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/: initialise the swarm/);
  });
});
