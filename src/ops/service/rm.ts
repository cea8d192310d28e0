/** `fleet service rm`: remove services, then (unless --detach) wait until their tasks are gone. */
import { pollUntil } from '../../core/poll.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import type { ServiceOpInput } from './common.js';
import { adoptService, serviceChange, type ServiceChangeReport } from './report.js';

export interface ServiceRmInput extends ServiceOpInput {
  service: string;
  detach?: boolean;
  timeoutMs: number;
}

export async function run(input: ServiceRmInput, rt: Runtime): Promise<OperationResult<ServiceChangeReport>> {
  return serviceChange(rt, input, { command: 'rm', service: input.service }, async (m, state) => {
    const svc = await adoptService(rt, m, state);
    await m.engine.removeService(svc.id, rt.signal);
    rt.bus.emit({
      type: 'change',
      host: m.target.id,
      description: `remove service ${svc.name}`,
      dryRun: false,
    });
    if (input.detach) return;
    let left = -1;
    await pollUntil(
      `the tasks of ${svc.name} to stop`,
      async (signal) => {
        // Not filtered by service: the engine answers 404 to a filter naming a removed service.
        const tasks = (await m.engine.listTasks(undefined, signal)).filter((t) => t.serviceId === svc.id);
        const running = tasks.filter(
          (t) => !['shutdown', 'complete', 'failed', 'rejected', 'orphaned', 'remove'].includes(t.state),
        );
        if (running.length !== left) {
          left = running.length;
          rt.bus.log('info', `${svc.name}: ${left} task${left === 1 ? '' : 's'} left`);
        }
        return running.length === 0 ? true : undefined;
      },
      { timeoutMs: input.timeoutMs, signal: rt.signal, initialDelayMs: 300, maxDelayMs: 1000 },
    );
    state.converge = {
      convergence: { desired: 0, running: 0, states: {}, done: true, problems: [] },
      tasks: [],
    };
  });
}
