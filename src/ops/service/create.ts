/** `fleet service create`: the spec from flags (core/service-spec.ts), created through a manager, then waited for. */
import type { ServiceSpec } from '../../adapters/docker/types.js';
import { FleetError } from '../../core/errors.js';
import { buildServiceSpec, type ServiceFlags } from '../../core/service-spec.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import type { ServiceOpInput } from './common.js';
import { waitConverged, type ConvergeOptions } from '../shared/service-converge.js';
import { serviceChange, type ServiceChangeReport } from './report.js';

export interface ServiceCreateInput extends ServiceOpInput, ConvergeOptions {
  name: string;
  flags: ServiceFlags;
  detach?: boolean;
}

export async function run(
  input: ServiceCreateInput,
  rt: Runtime,
): Promise<OperationResult<ServiceChangeReport>> {
  const spec = buildServiceSpec(input.name, input.flags) as ServiceSpec;
  return serviceChange(rt, input, { command: 'create', service: input.name }, async (m, state) => {
    if (await m.engine.inspectService(input.name, rt.signal)) {
      throw new FleetError('usage', `service ${input.name} already exists`, {
        hint: `change it with fleet service update ${input.name}, or remove it first`,
      });
    }
    const created = await m.engine.createService(spec, rt.signal);
    state.serviceId = created.id;
    state.warnings = created.warnings;
    for (const w of created.warnings) rt.bus.log('warn', w, m.target.id);
    rt.bus.emit({
      type: 'change',
      host: m.target.id,
      description: `create service ${input.name}`,
      dryRun: false,
    });
    if (input.detach) return;
    const svc = await m.engine.inspectService(created.id, rt.signal);
    if (!svc) throw new FleetError('docker', `service ${input.name} vanished right after it was created`);
    state.converge = await waitConverged(rt, m, svc, input);
  });
}
