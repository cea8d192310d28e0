/**
 * `fleet service logs`: the service's log stream through a manager, each line emitted as host:output
 * with the task it came from as "service.slot@node" and its stream (stdout/stderr) kept. Follows until
 * Ctrl-C (rt.signal), which ends it cleanly: the stream is closed, what arrived is shown.
 */
import type { SwarmTask } from '../../adapters/docker/types.js';
import type { Runtime } from '../../runtime/types.js';
import { withManager } from '../shared/manager.js';
import { findService, nodeNames, taskName, type ServiceOpInput } from './common.js';

export interface ServiceLogsInput extends ServiceOpInput {
  service: string;
  follow?: boolean;
  tail?: number;
  /** Unix seconds. */
  since?: number;
  timestamps?: boolean;
}

export interface ServiceLogsResult {
  service: string;
  lines: number;
  interrupted: boolean;
}

export async function run(input: ServiceLogsInput, rt: Runtime): Promise<ServiceLogsResult> {
  try {
    return await withManager(rt, input.managers, async (m) => {
      const svc = await findService(m, input.service, rt.signal);
      let names = nodeNames(m.nodes);
      const tasks = new Map<string, SwarmTask>();
      const refresh = async (): Promise<void> => {
        for (const t of await m.engine.listTasks({ service: [svc.id] }, rt.signal)) tasks.set(t.id, t);
      };
      await refresh();
      const stream = await m.engine.serviceLogs(
        svc.id,
        { follow: input.follow, tail: input.tail, since: input.since, timestamps: input.timestamps },
        rt.signal,
      );
      let lines = 0;
      for await (const frame of stream) {
        let task = frame.taskId ? tasks.get(frame.taskId) : undefined;
        if (frame.taskId && !task && !rt.signal.aborted) {
          // A task started after the stream opened (-f across a scale or a restart).
          await refresh().catch(() => undefined);
          if (frame.nodeId && !names[frame.nodeId])
            names = nodeNames(await m.engine.listNodes(rt.signal).catch(() => m.nodes));
          task = tasks.get(frame.taskId);
        }
        const nodeId = frame.nodeId ?? task?.nodeId ?? '';
        const prefix = `${task ? taskName(svc.name, task) : svc.name}@${names[nodeId] ?? (nodeId.slice(0, 12) || '?')}`;
        rt.bus.emit({ type: 'host:output', host: prefix, stream: frame.stream, line: frame.line });
        lines++;
      }
      return { service: svc.name, lines, interrupted: rt.signal.aborted };
    });
  } finally {
    await rt.releasePool();
  }
}
