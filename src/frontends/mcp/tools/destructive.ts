/**
 * Tools that take work away (listed only with --allow-write and --allow-destructive): removing a
 * service, draining nodes. Draining keeps the CLI's quorum and last-replica checks: a drain that
 * would put the cluster at risk is refused with the reason, and `force: true` confirms it.
 */
import { z } from 'zod';
import { defineTool, type ToolDef } from '../context.js';
import { backgroundArg, orJob, rows, timeoutArg } from './schemas.js';
import { changeResult, serviceChange } from './write.js';

const serviceRm = defineTool({
  name: 'fleet_service_rm',
  title: 'Remove a service',
  description: 'Removes a swarm service and waits until its tasks have stopped.',
  access: 'destructive',
  input: { service: z.string().min(1) },
  output: serviceChange,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async run(args, call) {
    const { run } = await import('../../../ops/service/rm.js');
    return changeResult(call, 'service rm', (managers) =>
      run({ managers, service: args.service, timeoutMs: 120_000 }, call.rt),
    );
  },
});

const nodeDrain = defineTool({
  name: 'fleet_node_drain',
  title: 'Drain nodes',
  description:
    'Sets swarm nodes to drain: their tasks move to other nodes; waits until none runs there and names services whose tasks found no other node. Refused (with the reason) when it would leave a service without replicas or the managers at risk, unless force: true.',
  access: 'destructive',
  input: {
    hosts: z.string().min(1).describe('hosts of nodes.yml, e.g. "agx-07"'),
    force: z.boolean().optional().describe('drain although the safety check refused (confirms its reason)'),
    timeout_seconds: timeoutArg('wait for the tasks to move at most', 60),
    background: backgroundArg,
  },
  output: orJob({
    command: z.string(),
    nodes: rows,
    forced: z.array(z.string()),
    unscheduled: z.array(z.string()),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  background: true,
  async run(args, call) {
    const { run } = await import('../../../ops/node/availability.js');
    const targets = await call.hosts(args.hosts);
    call.touched(targets.map((t) => t.id));
    return changeResult(call, 'node drain', (managers) =>
      run(
        {
          managers,
          targets,
          availability: 'drain',
          force: args.force,
          timeoutMs: (args.timeout_seconds ?? 60) * 1000,
        },
        call.rt,
      ),
    );
  },
});

export const DESTRUCTIVE_TOOLS: ToolDef[] = [serviceRm, nodeDrain];
