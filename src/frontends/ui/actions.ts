/**
 * POST /api/action: the page's buttons run the same operations as the CLI (ops/node, ops/service,
 * ops/stack), each on its own Runtime from the UI's session, under the cluster lock like the CLI's
 * changing commands. Safety checks are the operations' own (a refused demote is refused here too).
 */
import { FleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import { lockClusterForRun } from '../../runtime/cluster-lock.js';
import type { EventBus } from '../../runtime/events.js';
import type { Runtime } from '../../runtime/types.js';
import type { UiContext } from './context.js';

export type NodeActionKind = 'drain' | 'activate' | 'pause' | 'promote' | 'demote' | 'rm' | 'label';
export type ServiceActionKind = 'scale' | 'update-image' | 'service-create' | 'service-rm' | 'stack-deploy';

export interface ActionRequest {
  action: NodeActionKind | ServiceActionKind;
  hosts?: string[];
  force?: boolean;
  add?: string[];
  remove?: string[];
  service?: string;
  replicas?: number;
  image?: string;
  name?: string;
  compose?: string;
}

const NODE_ACTIONS = new Set<string>(['drain', 'activate', 'pause', 'promote', 'demote', 'rm', 'label']);
const WAIT = { timeoutMs: 120_000, stuckMs: 20_000 };

function need<T>(value: T | undefined | null, field: string): T {
  if (value === undefined || value === null || value === '')
    throw new FleetError('usage', `the request has no "${field}"`);
  return value;
}

export function selectHosts(ctx: UiContext, ids: string[] | undefined): HostTarget[] {
  const wanted = need(ids, 'hosts');
  const unknown = wanted.filter((id) => !ctx.hosts.some((h) => h.id === id));
  if (unknown.length > 0 || wanted.length === 0) {
    throw new FleetError('usage', `not in nodes.yml: ${unknown.join(', ') || '(no host given)'}`);
  }
  return ctx.hosts.filter((h) => wanted.includes(h.id));
}

/** Runs one operation on its own Runtime, locked like the CLI's changing commands; ends the Runtime. */
export async function runOperation<R>(
  ctx: UiContext,
  lock: { command: string; hosts: HostTarget[] } | undefined,
  op: (rt: Runtime) => Promise<R>,
  o: { bus?: EventBus; signal?: AbortSignal } = {},
): Promise<R> {
  const rt = ctx.session.begin(o);
  try {
    if (lock) {
      await lockClusterForRun(rt, lock.command, lock.hosts, {
        inventory: ctx.inventoryPath,
        identity: ctx.identity,
        sudo: ctx.sudo,
        waitSeconds: 10,
      });
    }
    return await op(rt);
  } finally {
    await rt.end();
    ctx.observer.poke();
  }
}

async function nodeAction(ctx: UiContext, req: ActionRequest): Promise<unknown> {
  const targets = selectHosts(ctx, req.hosts);
  const base = { managers: ctx.hosts, targets, force: Boolean(req.force) };
  const lock = { command: `node ${req.action}`, hosts: targets };
  const kind = req.action;
  if (kind === 'drain' || kind === 'activate' || kind === 'pause') {
    const { run } = await import('../../ops/node/availability.js');
    const availability = kind === 'activate' ? 'active' : kind;
    return runOperation(ctx, lock, (rt) => run({ ...base, availability, timeoutMs: 300_000 }, rt));
  }
  if (kind === 'promote' || kind === 'demote') {
    const { run } = await import('../../ops/node/role.js');
    const role = kind === 'promote' ? 'manager' : 'worker';
    return runOperation(ctx, lock, (rt) => run({ ...base, role, timeoutMs: 60_000 }, rt));
  }
  if (kind === 'rm') {
    const { run } = await import('../../ops/node/rm.js');
    return runOperation(ctx, lock, (rt) => run({ ...base, timeoutMs: 60_000 }, rt));
  }
  const { run } = await import('../../ops/node/label.js');
  return runOperation(ctx, lock, (rt) => run({ ...base, add: req.add ?? [], remove: req.remove ?? [] }, rt));
}

async function serviceAction(ctx: UiContext, req: ActionRequest): Promise<unknown> {
  const base = { managers: ctx.hosts, ...WAIT };
  const lock = { command: `service ${req.action}`, hosts: ctx.hosts.filter((h) => h.role === 'manager') };
  switch (req.action) {
    case 'scale':
    case 'update-image': {
      const { run } = await import('../../ops/service/update.js');
      const service = need(req.service, 'service');
      const mode =
        req.action === 'scale'
          ? { kind: 'scale' as const, replicas: need(req.replicas, 'replicas') }
          : { kind: 'update' as const, flags: { image: need(req.image, 'image') } };
      return runOperation(ctx, lock, (rt) => run({ ...base, service, mode }, rt));
    }
    case 'service-rm': {
      const { run } = await import('../../ops/service/rm.js');
      return runOperation(ctx, lock, (rt) => run({ ...base, service: need(req.service, 'service') }, rt));
    }
    case 'service-create': {
      const [{ run }, { resolveSwarmNetwork }] = await Promise.all([
        import('../../ops/service/create.js'),
        import('../../core/config.js'),
      ]);
      const flags = {
        image: need(req.image, 'image'),
        replicas: req.replicas,
        network: resolveSwarmNetwork(ctx.defaults).name,
      };
      return runOperation(ctx, lock, (rt) => run({ ...base, name: need(req.name, 'name'), flags }, rt));
    }
    case 'stack-deploy': {
      const { deploy } = await import('../../ops/stack/run.js');
      const input = {
        ...base,
        name: need(req.name, 'name'),
        compose: need(req.compose, 'compose'),
        composeFile: 'uploaded compose file',
      };
      return runOperation(ctx, lock, (rt) => deploy(input, rt).then((result) => ({ result })));
    }
    default:
      throw new FleetError('usage', `unknown action "${String(req.action)}"`);
  }
}

/** The operation's OperationResult ({ result, error? }); a thrown FleetError propagates to the handler. */
export function runAction(ctx: UiContext, req: ActionRequest): Promise<unknown> {
  return NODE_ACTIONS.has(req.action) ? nodeAction(ctx, req) : serviceAction(ctx, req);
}
