/**
 * `fleet stack ls | services | ps | rm`, natively through the Engine API by the
 * com.docker.stack.namespace label docker puts on everything a stack makes. rm removes what docker's
 * own `stack rm` does, in its order: services, secrets, configs, then networks (retried while the
 * removed services' tasks still hold them). deploy is deploy.ts.
 */
import { FleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import { pollUntil } from '../../core/poll.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import type { ManagerConn } from '../shared/manager.js';
import { nodeNames, taskName } from '../shared/service-converge.js';
import {
  checkStackName,
  stackRun,
  STACK_LABEL,
  throughManager,
  type StackReport,
  type StackState,
} from './report.js';

export { deploy, type StackDeployInput } from './deploy.js';
export { STACK_LABEL, type StackReport } from './report.js';

export interface StackInput {
  managers: HostTarget[];
  name: string;
  reportPath?: string;
}

async function stackServices(rt: Runtime, m: ManagerConn, name: string) {
  return m.engine.listServices({ label: [`${STACK_LABEL}=${name}`] }, rt.signal);
}

const noStack = (name: string): FleetError =>
  new FleetError('usage', `no stack "${name}" in the swarm`, { hint: 'fleet stack ls lists them' });

/** `stack ls`: every stack, by the label on its services (docker's NAME and SERVICES). */
export function ls(input: Omit<StackInput, 'name'>, rt: Runtime): Promise<OperationResult<StackReport>> {
  const state: StackState = { command: 'ls', stack: null, services: [] };
  return stackRun(rt, input, state, () =>
    throughManager(rt, input.managers, state, async (m) => {
      const services = await m.engine.listServices({ label: [STACK_LABEL] }, rt.signal);
      const count = new Map<string, number>();
      for (const s of services) {
        const name = s.labels[STACK_LABEL]!;
        count.set(name, (count.get(name) ?? 0) + 1);
      }
      state.stacks = [...count]
        .map(([name, n]) => ({ name, services: n }))
        .sort((a, b) => a.name.localeCompare(b.name));
    }),
  );
}

/** `stack services` (running/wanted per service) and `stack ps` (the running tasks). */
export function list(
  input: StackInput & { tasks: boolean },
  rt: Runtime,
): Promise<OperationResult<StackReport>> {
  const state: StackState = { command: input.tasks ? 'ps' : 'services', stack: input.name, services: [] };
  return stackRun(rt, input, state, () =>
    throughManager(rt, input.managers, state, async (m) => {
      checkStackName(input.name);
      const services = await stackServices(rt, m, input.name);
      if (services.length === 0) throw noStack(input.name);
      const tasks = await m.engine.listTasks({ 'desired-state': ['running'] }, rt.signal);
      const names = nodeNames(m.nodes);
      const byId = new Map(services.map((s) => [s.id, s]));
      const mine = tasks.filter((t) => byId.has(t.serviceId));
      state.services = services.map((s) => {
        const running = mine.filter((t) => t.serviceId === s.id && t.state === 'running').length;
        const desired =
          s.mode === 'replicated' ? (s.replicas ?? 0) : mine.filter((t) => t.serviceId === s.id).length;
        return { name: s.name, running, desired, converged: null, problems: [] };
      });
      if (input.tasks) {
        state.tasks = mine.map((t) => ({
          name: taskName(byId.get(t.serviceId)!.name, t),
          node: t.nodeId ? (names[t.nodeId] ?? t.nodeId) : null,
          state: t.state,
          error: t.err || null,
        }));
      }
    }),
  );
}

/** `stack rm`: the stack's services, secrets, configs and networks; a network still held by a stopping task is retried. */
export function remove(
  input: StackInput & { timeoutMs?: number },
  rt: Runtime,
): Promise<OperationResult<StackReport>> {
  const state: StackState = { command: 'rm', stack: input.name, services: [] };
  return stackRun(rt, input, state, () =>
    throughManager(rt, input.managers, state, async (m) => {
      checkStackName(input.name);
      const label = `${STACK_LABEL}=${input.name}`;
      const [services, secrets, configs, networks] = await Promise.all([
        stackServices(rt, m, input.name),
        m.engine.listLabelled('secrets', label, rt.signal),
        m.engine.listLabelled('configs', label, rt.signal),
        m.engine.listLabelled('networks', label, rt.signal),
      ]);
      if (services.length + secrets.length + configs.length + networks.length === 0)
        throw noStack(input.name);
      const removed = (state.removed = {
        services: [],
        secrets: [],
        configs: [],
        networks: [],
      } as NonNullable<StackState['removed']>);
      const gone = (what: string): void =>
        rt.bus.emit({ type: 'change', host: m.target.id, description: `remove ${what}`, dryRun: false });
      for (const svc of services) {
        await m.engine.removeService(svc.id, rt.signal);
        removed.services.push(svc.name);
        gone(`service ${svc.name}`);
      }
      for (const [kind, list] of [
        ['secrets', secrets],
        ['configs', configs],
      ] as const) {
        for (const o of list) {
          await m.engine.removeObject(kind, o.id, rt.signal);
          removed[kind].push(o.name);
          gone(`${kind.slice(0, -1)} ${o.name}`);
        }
      }
      for (const net of networks) {
        // The swarm refuses while a task of a removed service is still attached: ask again until it lets go.
        await pollUntil(
          `network ${net.name} to be released by the stack's tasks`,
          async (signal) => {
            await m.engine.removeObject('networks', net.id, signal).catch((err: unknown) => {
              if (!/no such network|not found/i.test((err as Error).message)) throw err;
            });
            return true;
          },
          { timeoutMs: input.timeoutMs ?? 60_000, signal: rt.signal, initialDelayMs: 300, maxDelayMs: 2000 },
        );
        removed.networks.push(net.name);
        gone(`network ${net.name}`);
      }
    }),
  );
}
