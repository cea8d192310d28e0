/**
 * `fleet stack deploy | ls | ps | rm`. The Engine API has no stack endpoint, so deploy runs the
 * manager's own docker CLI over SSH with the compose text on stdin (`docker stack deploy -c - NAME`),
 * after refusing compose files that refer to local files (core/compose-files.ts). ls/ps/rm use the
 * API by the com.docker.stack.namespace label; deploy then waits like `service create`.
 */
import { shQuote } from '../../adapters/ssh/quote.js';
import { composeLocalFiles, refuseLocalFiles } from '../../core/compose-files.js';
import { FleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import type { Runtime } from '../../runtime/types.js';
import { withManager, type ManagerConn } from '../shared/manager.js';
import { nodeNames, taskName, waitConverged, type ConvergeOptions } from '../shared/service-converge.js';

export const STACK_LABEL = 'com.docker.stack.namespace';

export interface StackInput {
  managers: HostTarget[];
  name: string;
}

export interface StackDeployInput extends StackInput, ConvergeOptions {
  compose: string;
  composeFile: string;
  withRegistryAuth?: boolean;
  detach?: boolean;
}

export interface StackServiceRow {
  name: string;
  running: number;
  desired: number;
  converged: boolean | null;
  problems: string[];
}

export interface StackResult {
  command: string;
  stack: string;
  manager: string;
  services: StackServiceRow[];
  tasks?: { name: string; node: string | null; state: string; error: string | null }[];
  removed?: string[];
}

function checkName(name: string): void {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) {
    throw new FleetError('usage', `stack name "${name}" is not valid`, {
      hint: 'letters, digits, "_", "." and "-"',
    });
  }
}

async function stackServices(rt: Runtime, m: ManagerConn, name: string) {
  return m.engine.listServices({ label: [`${STACK_LABEL}=${name}`] }, rt.signal);
}

export async function deploy(input: StackDeployInput, rt: Runtime): Promise<StackResult> {
  checkName(input.name);
  // Refused before anything connects: nothing changes.
  refuseLocalFiles(composeLocalFiles(input.compose, input.composeFile), input.composeFile);
  try {
    return await withManager(rt, input.managers, async (m) => {
      const conn = await (await rt.pool()).connect(m.target, rt.signal);
      const sudo = m.target.user !== 'root';
      const has = await conn.exec('command -v docker', { signal: rt.signal });
      if (has.exitCode !== 0) {
        throw new FleetError('docker', 'the manager has no docker CLI, which stack deploy needs', {
          host: m.target.id,
          hint: 'install the docker CLI there (docker-ce-cli), or deploy the services with fleet service create',
        });
      }
      const auth = input.withRegistryAuth ? ' --with-registry-auth' : '';
      const res = await conn.exec(`docker stack deploy -c -${auth} ${shQuote(input.name)}`, {
        stdin: input.compose,
        sudo,
        sudoPassword: rt.sudoPassword,
        signal: rt.signal,
      });
      for (const line of res.stdout.toString('utf8').split('\n').filter(Boolean)) {
        rt.bus.log('info', line, m.target.id);
      }
      if (res.exitCode !== 0) {
        const why = res.stderr.toString('utf8').trim().split('\n').pop() ?? `exit ${res.exitCode}`;
        throw new FleetError('docker', `docker stack deploy ${input.name} failed: ${why}`, {
          host: m.target.id,
        });
      }
      rt.bus.emit({
        type: 'change',
        host: m.target.id,
        description: `deploy stack ${input.name}`,
        dryRun: false,
      });
      const services = await stackServices(rt, m, input.name);
      const rows: StackServiceRow[] = [];
      const failures: string[] = [];
      for (const svc of services) {
        if (input.detach) {
          rows.push({
            name: svc.name,
            running: 0,
            desired: svc.replicas ?? 0,
            converged: null,
            problems: [],
          });
          continue;
        }
        try {
          const { convergence: c } = await waitConverged(rt, m, svc, input);
          rows.push({
            name: svc.name,
            running: c.running,
            desired: c.desired,
            converged: true,
            problems: [],
          });
        } catch (err) {
          if (!(err instanceof FleetError) || err.code !== 'converge') throw err;
          failures.push(err.message);
          rows.push({
            name: svc.name,
            running: 0,
            desired: svc.replicas ?? 0,
            converged: false,
            problems: [err.message],
          });
        }
      }
      if (failures.length > 0) throw new FleetError('converge', failures.join('; '));
      return { command: 'stack deploy', stack: input.name, manager: m.target.id, services: rows };
    });
  } finally {
    await rt.releasePool();
  }
}

export async function list(input: StackInput & { tasks: boolean }, rt: Runtime): Promise<StackResult> {
  try {
    return await withManager(rt, input.managers, async (m) => {
      const services = await stackServices(rt, m, input.name);
      if (services.length === 0) throw new FleetError('usage', `no stack "${input.name}" in the swarm`);
      const tasks = await m.engine.listTasks({ 'desired-state': ['running'] }, rt.signal);
      const names = nodeNames(m.nodes);
      const byId = new Map(services.map((s) => [s.id, s]));
      const mine = tasks.filter((t) => byId.has(t.serviceId));
      return {
        command: input.tasks ? 'stack ps' : 'stack services',
        stack: input.name,
        manager: m.target.id,
        services: services.map((s) => {
          const running = mine.filter((t) => t.serviceId === s.id && t.state === 'running').length;
          const desired =
            s.mode === 'replicated' ? (s.replicas ?? 0) : mine.filter((t) => t.serviceId === s.id).length;
          return { name: s.name, running, desired, converged: running === desired, problems: [] };
        }),
        tasks: input.tasks
          ? mine.map((t) => ({
              name: taskName(byId.get(t.serviceId)!.name, t),
              node: t.nodeId ? (names[t.nodeId] ?? t.nodeId) : null,
              state: t.state,
              error: t.err || null,
            }))
          : undefined,
      };
    });
  } finally {
    await rt.releasePool();
  }
}

export async function remove(input: StackInput, rt: Runtime): Promise<StackResult> {
  try {
    return await withManager(rt, input.managers, async (m) => {
      const services = await stackServices(rt, m, input.name);
      if (services.length === 0) throw new FleetError('usage', `no stack "${input.name}" in the swarm`);
      for (const svc of services) {
        await m.engine.removeService(svc.id, rt.signal);
        rt.bus.emit({
          type: 'change',
          host: m.target.id,
          description: `remove service ${svc.name}`,
          dryRun: false,
        });
      }
      return {
        command: 'stack rm',
        stack: input.name,
        manager: m.target.id,
        services: [],
        removed: services.map((s) => s.name),
      };
    });
  } finally {
    await rt.releasePool();
  }
}
