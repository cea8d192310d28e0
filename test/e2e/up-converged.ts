/**
 * Whether a swarm converged exactly to the plan after a clean `fleet up`, read from a manager's engine
 * (not from fleet's own report): every host a Ready node and no other node, the planned manager count
 * (also in role_assignments.json), the report's roles, the device labels, the overlay network, exit 0.
 * Returns one line per difference (empty when converged).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../lab/index.js';
import { lastReport, type CliRun } from './up-helpers.js';

export async function convergenceProblems(
  lab: Lab,
  names: readonly string[],
  plannedManagers: number,
  cwd: string,
  run: CliRun,
): Promise<string[]> {
  const problems: string[] = [];
  if (run.code !== 0) {
    problems.push(`clean re-run exit ${run.code}: ${run.stderr.trim().split('\n').slice(-4).join(' | ')}`);
  }
  let manager: string | undefined;
  for (const name of names) {
    const r = await lab.exec(name, 'docker info -f {{.Swarm.ControlAvailable}}', { timeoutMs: 10_000 });
    if (r.stdout.trim() === 'true') {
      manager = name;
      break;
    }
  }
  if (!manager) return [...problems, 'no host is a manager after the clean re-run'];
  const ls = await lab.exec(
    manager,
    "docker node ls --format '{{.Hostname}} {{.Status}} {{if .ManagerStatus}}manager{{else}}worker{{end}}'",
    { timeoutMs: 15_000 },
  );
  const nodes = ls.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [host = '', status = '', role = ''] = l.split(' ');
      return { host, status, role };
    });
  const hosts = nodes.map((n) => n.host).sort();
  if (JSON.stringify(hosts) !== JSON.stringify([...names].sort()))
    problems.push(`nodes ${hosts.join(',')} (${nodes.length}), expected exactly ${names.join(',')}`);
  const notReady = nodes.filter((n) => n.status !== 'Ready');
  if (notReady.length) problems.push(`not Ready: ${notReady.map((n) => `${n.host} ${n.status}`).join(', ')}`);
  const managers = nodes.filter((n) => n.role === 'manager');
  if (managers.length !== plannedManagers)
    problems.push(
      `${managers.length} managers (${managers.map((m) => m.host).join(',')}), planned ${plannedManagers}`,
    );
  try {
    const roles = JSON.parse(readFileSync(join(cwd, 'role_assignments.json'), 'utf8')) as {
      managers: number;
    };
    if (roles.managers !== managers.length)
      problems.push(
        `role_assignments.json says ${roles.managers} managers, the swarm has ${managers.length}`,
      );
    const report = lastReport(cwd);
    for (const h of report.hosts) {
      const live = nodes.find((n) => n.host === h.id)?.role;
      if (h.role !== live) problems.push(`report role of ${h.id} is ${h.role}, the swarm says ${live}`);
    }
  } catch (err) {
    problems.push(`cannot read the clean run's report or role_assignments.json: ${(err as Error).message}`);
  }
  const inspect = await lab.exec(
    manager,
    `docker node inspect ${names.join(' ')} --format '{{.Description.Hostname}} {{json .Spec.Labels}}'`,
    { timeoutMs: 15_000 },
  );
  const labelsOf = new Map(
    inspect.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)] as const),
  );
  for (const h of lab.hosts) {
    let parsed: Record<string, string> = {};
    try {
      parsed = JSON.parse(labelsOf.get(h.name) ?? '{}') as Record<string, string>;
    } catch {
      // reported below
    }
    if (parsed.device_type !== h.type || !parsed.arch)
      problems.push(`labels of ${h.name}: ${labelsOf.get(h.name) ?? 'no such node'}`);
  }
  const net = await lab.exec(
    manager,
    "docker network inspect fleet-network --format '{{.Driver}} {{.Attachable}}'",
    {
      timeoutMs: 10_000,
    },
  );
  if (net.stdout.trim() !== 'overlay true')
    problems.push(`fleet-network: ${net.stdout.trim() || net.stderr.trim()}`);
  return problems;
}
