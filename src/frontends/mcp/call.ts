/**
 * One tool call, the same way for every tool: a Runtime of its own from the server's session (its
 * abort signal follows the client's cancellation; its events go to a bus of its own and become
 * progress notifications), the tool's run, its result as structured content, a FleetError as an
 * error result with its hint, and one audit line. `background: true` runs the same thing as a job.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { FleetError, toFleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import type { Inventory } from '../../core/inventory-model.js';
import { redact, redactValue } from '../../core/redact.js';
import { EventBus, type FleetEvent } from '../../runtime/events.js';
import { applyIdentityFiles, resolveTargets } from '../../runtime/targets.js';
import type { AuditEntry } from './audit.js';
import { auditArguments } from './audit.js';
import { noInventory, type ServerContext, type ToolCall, type ToolDef, type ToolOutput } from './context.js';

export interface CallExtra {
  signal: AbortSignal;
  _meta?: { progressToken?: string | number };
  sendNotification(n: {
    method: 'notifications/progress';
    params: { progressToken: string | number; progress: number; message?: string };
  }): Promise<void>;
}

/** JSON as the protocol carries it: errors as { code, message, hint }, no undefined, secrets redacted. */
export function jsonSafe(value: unknown): Record<string, unknown> {
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Error) {
      const e = toFleetError(v);
      return { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
    }
    return v;
  });
  return redactValue(JSON.parse(text ?? '{}') as Record<string, unknown>);
}

/** A line for a progress notification, or nothing for events too chatty to forward (host output). */
function describe(e: FleetEvent): string | undefined {
  switch (e.type) {
    case 'phase:start':
      return `${e.phase}…`;
    case 'phase:done':
      return `${e.phase}: ${e.ok ? 'ok' : `failed${e.error ? `: ${e.error}` : ''}`}`;
    case 'host:done':
      return `${e.host}: ${e.ok ? 'ok' : `failed${e.error ? `: ${e.error}` : ''}`}`;
    case 'change':
      return `${e.host ? `${e.host}: ` : ''}${e.description}`;
    case 'host:state':
      return e.detail ? `${e.host}: ${e.detail}` : undefined;
    case 'log':
      return e.level === 'debug' ? undefined : `${e.host ? `${e.host}: ` : ''}${e.message}`;
    default:
      return undefined;
  }
}

/** The error as an agent should read it: the reason, and the argument that confirms where the CLI has a flag. */
export function errorText(err: FleetError): string {
  const hint = err.hint?.replace(/--force\b/g, 'the argument force: true');
  return `${err.code}: ${err.message}${err.host && !err.message.includes(err.host) ? ` (${err.host})` : ''}${hint ? `\nhint: ${hint}` : ''}`;
}

function targetsOf(ctx: ServerContext) {
  let inventory: Promise<Inventory> | undefined;
  const resolve = async (sel: { nodes?: string[]; role?: string; all?: boolean }): Promise<HostTarget[]> => {
    const resolved = await resolveTargets({ inventory: ctx.config.inventory, ...sel }, undefined, {
      defaultToAll: true,
    });
    if (!resolved.inventory) throw noInventory();
    const { findNode } = await import('../../core/selectors.js');
    const outside = resolved.hosts.filter((h) => !findNode(resolved.inventory as Inventory, h.id));
    if (outside.length > 0) {
      throw new FleetError('usage', `not hosts of nodes.yml: ${outside.map((h) => h.id).join(', ')}`, {
        hint: 'fleet mcp acts only on hosts of its inventory; fleet_node_list names them',
      });
    }
    return applyIdentityFiles(resolved.hosts, { identity: ctx.config.identity });
  };
  return {
    hosts: (selector?: string, role?: 'manager' | 'worker') =>
      resolve(selector ? { nodes: [selector], role } : { role, all: !role }),
    managers: () => resolve({ all: true }),
    inventory: () =>
      (inventory ??= (async () => {
        const { loadInventory } = await import('../../runtime/targets.js');
        const loaded = await loadInventory({ inventory: ctx.config.inventory });
        if (!loaded.inventory) throw noInventory();
        return loaded.inventory;
      })()),
  };
}

function toResult(out: ToolOutput): CallToolResult {
  const structured = jsonSafe({ ...out.result, ...(out.report ? { report: out.report } : {}) });
  const text = JSON.stringify(structured, null, 1);
  if (out.error) {
    return {
      isError: true,
      content: [{ type: 'text', text: `${redact(errorText(out.error))}\n${text}` }],
      structuredContent: structured,
    };
  }
  return { content: [{ type: 'text', text }], structuredContent: structured };
}

function errorResult(err: FleetError): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: redact(errorText(err)) }] };
}

/** Runs `def` for one call; never throws (errors are results the agent reads). */
export async function handleCall(
  ctx: ServerContext,
  def: ToolDef,
  args: Record<string, unknown>,
  extra: CallExtra,
): Promise<CallToolResult> {
  const started = Date.now();
  const touched = new Set<string>();
  const token = extra._meta?.progressToken;
  let count = 0;
  let jobProgress: ((message: string) => void) | undefined;
  const progress = (message: string): void => {
    const safe = redact(message);
    jobProgress?.(safe);
    if (token === undefined || jobProgress) return;
    count++;
    void extra
      .sendNotification({
        method: 'notifications/progress',
        params: { progressToken: token, progress: count, message: safe },
      })
      .catch(() => undefined);
  };
  const audit = (entry: Partial<AuditEntry>): Promise<void> =>
    ctx.audit.append({
      time: new Date(started).toISOString(),
      tool: def.name,
      arguments: auditArguments(args),
      hosts: [...touched],
      outcome: 'ok',
      duration_ms: Date.now() - started,
      ...entry,
    });

  const execute = async (
    signal: AbortSignal | undefined,
  ): Promise<{ result: CallToolResult; out?: ToolOutput; error?: FleetError }> => {
    const bus = new EventBus();
    bus.subscribe((e) => {
      if (e.type === 'log' && e.level === 'warn')
        ctx.log(`${def.name}: ${e.host ? `${e.host}: ` : ''}${e.message}`);
      const line = describe(e);
      if (line) progress(line);
    });
    const rt = ctx.session.begin({ signal, bus });
    const call: ToolCall = {
      rt,
      config: ctx.config,
      progress,
      ...targetsOf(ctx),
      touched: (ids) => ids.forEach((id) => touched.add(id)),
      jobs: ctx.jobs,
      sshSettings: ctx.session.settings,
      status: (o) => ctx.status.answer(call.managers, { ...o, signal: rt.signal }),
      lock: async (command, selected) => {
        const { lockClusterForRun } = await import('../../runtime/cluster-lock.js');
        const { inventory, identity, sudo } = ctx.config;
        await lockClusterForRun(rt, `mcp ${command}`, selected, {
          inventory,
          identity,
          sudo,
          waitSeconds: 0,
        });
      },
    };
    try {
      const out = await def.run(args as never, call);
      return { result: toResult(out), out, error: out.error };
    } catch (err) {
      const error = toFleetError(err);
      return { result: errorResult(error), error };
    } finally {
      await rt.end().catch(() => undefined);
      // Whatever a changing tool did (or half did), fleet_status must not answer from before it.
      if (def.access !== 'read') ctx.status.changed();
    }
  };

  if (def.background && args.background === true) {
    const job = ctx.jobs.start(def.name, async (onProgress) => {
      jobProgress = onProgress;
      const done = await execute(undefined);
      const outcome = done.error ? (done.out ? 'error' : 'refused') : 'ok';
      await audit({ outcome, error: done.error && redact(errorText(done.error)), report: done.out?.report });
      return {
        result: done.result.structuredContent as Record<string, unknown> | undefined,
        error: done.error && redact(errorText(done.error)),
      };
    });
    await audit({ outcome: 'started', job_id: job.id });
    const structured = { job_id: job.id, status: job.status };
    return {
      content: [
        { type: 'text', text: `${JSON.stringify(structured)}\npoll fleet_job_status with job_id ${job.id}` },
      ],
      structuredContent: structured,
    };
  }
  const done = await execute(extra.signal);
  await audit({
    outcome: done.error ? (done.out ? 'error' : 'refused') : 'ok',
    error: done.error && redact(errorText(done.error)),
    report: done.out?.report,
  });
  return done.result;
}
