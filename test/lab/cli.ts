/**
 * The lab by hand: `npm run lab -- up 16` (spark + agx-01..15), `up 20 --light 200`, `status`, `down`.
 * Lab id `demo`, subnet 100 unless --id/--subnet say otherwise. The `fleet` user's password, if wanted,
 * comes from FLEET_LAB_PASSWORD (never from the command line).
 */
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { attachLab, cleanupAll, cleanupLab, startLab } from './index.js';
import { listLabIds } from './cleanup.js';
import { labDir, slottedId } from './names.js';
import { hostPssKiB } from './stats.js';
import { resolveProfile } from './profile.js';
import type { LabHostSpec, LabProfile } from './types.js';

function demoHosts(n: number): LabHostSpec[] {
  const hosts: LabHostSpec[] = [];
  if (n >= 1) hosts.push({ name: 'spark', role: 'manager' });
  // Only the Spark is pinned: the Jetsons' roles are fleet's to assign by score.
  for (let i = 1; i < n; i++) hosts.push({ name: `agx-${String(i).padStart(2, '0')}` });
  return hosts;
}

const mb = (kib: number): string => `${(kib / 1024).toFixed(1)} MB`;

const program = new Command('lab').description(
  'fleet test lab: real SSH + Docker hosts in network namespaces',
);

program
  .command('up')
  .argument('[full]', 'full hosts (spark, agx-01, …)', '16')
  .option('--light <n>', 'extra light hosts (sshd only)', '0')
  .option('--id <id>', 'lab id', 'demo')
  .option('--subnet <n>', 'third octet of 10.77.x.0/24', '100')
  .option(
    '--profile <p>',
    'accounts: quick | realistic | realistic-sleep (default FLEET_LAB_PROFILE or quick)',
  )
  .action(async (full: string, o: { light: string; id: string; subnet: string; profile?: string }) => {
    const t0 = Date.now();
    const lab = await startLab({
      id: o.id,
      subnet: Number(o.subnet),
      hosts: demoHosts(Number(full)),
      light: Number(o.light),
      password: process.env.FLEET_LAB_PASSWORD || undefined,
      ...(o.profile ? { profile: resolveProfile(o.profile as LabProfile) } : {}),
    });
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    const inv = lab.writeInventory();
    for (const h of lab.hosts)
      console.log(`${h.name.padEnd(10)} ${h.ip.padEnd(14)} ${h.docker ? 'ssh+docker' : 'ssh'}`);
    console.log(
      `\n${lab.hosts.length} hosts up in ${secs} s (lab ${lab.id}, ${lab.cidr}, profile ${lab.profile})`,
    );
    console.log(
      `HOME:      ${lab.home}   (HOME=${lab.home} ssh root@${lab.hosts[0]?.ip ?? '10.77.x.y'} hostname)`,
    );
    console.log(
      `ssh -F:    ${lab.sshConfigFile}   (ssh -F ${lab.sshConfigFile} ${lab.hosts[0]?.name ?? 'host'})`,
    );
    console.log(`inventory: ${inv}`);
    console.log(`down:      npm run lab -- down${o.id === 'demo' ? '' : ` --id ${o.id}`}`);
  });

program
  .command('status')
  .option('--id <id>', 'lab id', 'demo')
  .action(async (o: { id: string }) => {
    if (!existsSync(`${labDir(o.id)}/state.json`)) {
      const ids = await listLabIds();
      console.log(`lab ${o.id}: not running${ids.length ? ` (found: ${ids.join(', ')})` : ''}`);
      process.exitCode = 1;
      return;
    }
    const lab = attachLab(o.id);
    const pss = await hostPssKiB(lab.hosts);
    let total = 0;
    for (const h of lab.hosts) {
      const ssh = (await lab.exec(h.name, 'systemctl is-active ssh')).stdout.trim();
      const docker = h.docker ? (await lab.exec(h.name, 'systemctl is-active docker')).stdout.trim() : '-';
      const kib = pss.get(h.name) ?? 0;
      total += kib;
      console.log(
        `${h.name.padEnd(10)} ${h.ip.padEnd(14)} ssh:${ssh.padEnd(9)} docker:${docker.padEnd(9)} ${mb(kib)}`,
      );
    }
    console.log(`\nlab ${lab.id} ${lab.cidr}: ${lab.hosts.length} hosts, ${mb(total)} PSS in total`);
    console.log(`HOME: ${lab.home}\ninventory: ${lab.dir}/nodes.yml`);
  });

program
  .command('down')
  .option('--id <id>', 'lab id', 'demo')
  .option('--all', 'every lab on this machine')
  .action(async (o: { id: string; all?: boolean }) => {
    if (o.all) {
      const ids = await cleanupAll();
      console.log(ids.length ? `removed labs: ${ids.join(', ')}` : 'no labs found');
    } else {
      await cleanupLab(slottedId(o.id));
      console.log(`lab ${o.id} removed`);
    }
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
