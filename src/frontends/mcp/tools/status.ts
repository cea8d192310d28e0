/**
 * fleet_status (always listed): the cluster's health, from the server's cluster observer
 * (status-source.ts) for every host, or asked directly for a subset of hosts.
 */
import { z } from 'zod';
import { defineTool } from '../context.js';
import { STATUS_MAX_AGE_MS } from '../status-source.js';
import { anyObject, hostsArg, READ, rows } from './schemas.js';

export const STATUS_TOOL = defineTool({
  name: 'fleet_status',
  title: 'Cluster health',
  description: `Is the fleet healthy? Swarm nodes (role, state, availability, manager reachability) joined with live host metrics (CPU, memory, disk, GPU), services with replicas running vs desired, quorum in words, and a verdict with its problems. Answered from the server's cluster observer: observed_at and age_ms say when the round behind the answer started (never more than ${STATUS_MAX_AGE_MS / 1000} s before the call, nor before the last change a tool made); fresh: true waits for a new round.`,
  access: 'read',
  input: {
    hosts: hostsArg,
    fresh: z
      .boolean()
      .optional()
      .describe('wait for a round of probes started after this call instead of the newest one'),
  },
  output: {
    timestamp: z.string(),
    cluster: anyObject,
    quorum: anyObject,
    services: rows,
    nodes: rows,
    storage: anyObject.nullable(),
    verdict: z.object({ healthy: z.boolean(), problems: z.array(z.string()), warnings: z.array(z.string()) }),
    observed_at: z.string().describe('when the round of probes behind this answer started'),
    age_ms: z.number().describe('how old the answer is: now minus observed_at'),
  },
  annotations: READ,
  async run(args, call) {
    if (args.hosts === undefined) {
      // Every host: the observer's newest round (status-source.ts says how recent it must be).
      call.touched((await call.managers()).map((h) => h.id));
      const { snapshot, ageMs } = await call.status({ fresh: args.fresh });
      const observedAt = new Date(snapshot.startedAt).toISOString();
      return { result: { ...snapshot.status, observed_at: observedAt, age_ms: ageMs } as never };
    }
    // A subset is asked directly: the observer watches every host of nodes.yml.
    const { run } = await import('../../../ops/status/run.js');
    const hosts = await call.hosts(args.hosts);
    call.touched(hosts.map((h) => h.id));
    const result = await run(
      { hosts, concurrency: call.config.concurrency, sudo: call.config.sudo },
      call.rt,
    );
    const ageMs = Math.max(0, Date.now() - Date.parse(result.timestamp));
    return { result: { ...result, observed_at: result.timestamp, age_ms: ageMs } as never };
  },
});
