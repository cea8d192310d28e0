/**
 * What the page asks without changing the cluster: a batch exec on a selection (grouped the way
 * `fleet exec --group` groups it), one host's facts, and a service's log stream (Server-Sent Events).
 */
import type { ServerResponse } from 'node:http';
import { FleetError } from '../../core/errors.js';
import { foldHosts } from '../../core/host-range.js';
import { groupOutputs, type OutputGroup } from '../../core/output-groups.js';
import { EventBus } from '../../runtime/events.js';
import { runOperation, selectHosts } from './actions.js';
import type { UiContext } from './context.js';

export interface ExecAnswer {
  command: string;
  successful: number;
  total: number;
  groups: OutputGroup[];
}

export async function batchExec(
  ctx: UiContext,
  req: { hosts?: string[]; command?: string },
): Promise<ExecAnswer> {
  const hosts = selectHosts(ctx, req.hosts);
  const command = req.command?.trim();
  if (!command) throw new FleetError('usage', 'the request has no "command"');
  const { run } = await import('../../ops/exec/run.js');
  const { result } = await runOperation(
    ctx,
    undefined,
    (rt) => run({ command, hosts, concurrency: 32, timeoutMs: 60_000, sudo: ctx.sudo }, rt),
    { bus: new EventBus() },
  );
  const groups = groupOutputs(
    result.devices.map((h) => ({
      id: h.id,
      exitCode: h.exit_code,
      stdout: h.output,
      stderr: h.stderr,
      error: h.error,
      fingerprint: h.truncated && `${h.truncated.stdout?.sha256}/${h.truncated.stderr?.sha256}`,
    })),
    (ids) => foldHosts(ids),
  );
  return { command, successful: result.successful, total: result.total_devices, groups };
}

export async function hostFacts(ctx: UiContext, id: string): Promise<unknown> {
  const hosts = selectHosts(ctx, [id]);
  const { run } = await import('../../ops/facts/run.js');
  const [answer] = await runOperation(
    ctx,
    undefined,
    (rt) => run({ hosts, concurrency: 1, sudo: ctx.sudo }, rt),
    {
      bus: new EventBus(),
    },
  );
  if (answer?.error) throw answer.error;
  return answer?.facts ?? null;
}

/** Streams the service's last 100 lines and then new ones, until the page closes the stream. */
export async function streamLogs(ctx: UiContext, service: string, res: ServerResponse): Promise<void> {
  const { run } = await import('../../ops/service/logs.js');
  const bus = new EventBus();
  const stop = new AbortController();
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
  res.on('close', () => stop.abort());
  bus.subscribe((e) => {
    if (e.type === 'host:output')
      res.write(`event: line\ndata: ${JSON.stringify({ task: e.host, line: e.line })}\n\n`);
  });
  try {
    await runOperation(
      ctx,
      undefined,
      (rt) => run({ managers: ctx.hosts, service, follow: true, tail: 100 }, rt),
      {
        bus,
        signal: stop.signal,
      },
    );
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    res.write(`event: failed\ndata: ${JSON.stringify({ message })}\n\n`);
  }
  res.end();
}
