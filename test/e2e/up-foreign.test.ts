/**
 * A host already in another swarm (lab upx): reported and left alone (exit 4, its swarm untouched);
 * with --force it leaves that swarm and joins this one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startLab, type Lab } from '../lab/index.js';
import { fleet, lastReport, schemaErrors, workDir } from './up-helpers.js';

const NAMES = ['spark', 'agx-01', 'agx-02', 'agx-03'];
let lab: Lab;
let cwd: string;
let foreignCluster = '';

const clusterOf = async (host: string) =>
  (await lab.exec(host, "docker info --format '{{.Swarm.Cluster.ID}}'")).stdout.trim();

beforeAll(async () => {
  lab = await startLab({ id: 'upx', subnet: 9, hosts: NAMES.map((name) => ({ name })) });
  cwd = workDir('upx');
  lab.writeInventory(join(cwd, 'nodes.yml'));
  const r = await lab.exec('agx-03', `docker swarm init --advertise-addr ${lab.host('agx-03').ip}`);
  if (r.code !== 0) throw new Error(`could not init the foreign swarm: ${r.stderr}`);
  foreignCluster = await clusterOf('agx-03');
});

afterAll(async () => {
  await lab?.down();
});

describe('fleet up with a host in a foreign swarm', () => {
  it('reports it and leaves it alone', async () => {
    const run = await fleet(lab, cwd, ['up']);
    expect(run.code, run.stderr).toBe(4);
    expect(run.stderr).toMatch(/agx-03: .*not this cluster's; left alone \(use --force/);
    const report = lastReport(cwd);
    expect(schemaErrors(report)).toBe('');
    const x = report.hosts.find((h) => h.id === 'agx-03')!;
    expect(x.status).toBe('skipped');
    expect(report.changes.some((c) => c.host === 'agx-03')).toBe(false);
    expect(await clusterOf('agx-03')).toBe(foreignCluster);
    expect(report.topology.map((n) => n.hostname).sort()).toEqual(['agx-01', 'agx-02', 'spark']);
  });

  it('--force moves it into this cluster', async () => {
    const run = await fleet(lab, cwd, ['up', '--force']);
    expect(run.code, run.stderr).toBe(0);
    const report = lastReport(cwd);
    expect(report.changes.filter((c) => c.host === 'agx-03').map((c) => c.description)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^leave the swarm \(force\): in another swarm .*\(--force\)$/),
      ]),
    );
    expect(report.topology).toHaveLength(4);
    expect(await clusterOf('agx-03')).not.toBe(foreignCluster);
  });
});
