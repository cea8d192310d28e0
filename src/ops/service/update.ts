/**
 * `fleet service update | scale | rollback`: read the service with its version, change only what was
 * asked (core/service-spec.ts applyServiceUpdate; scale sets replicas; rollback asks the engine for
 * the previous spec), send it with that version, then wait for convergence.
 */
import type { ServiceSpec } from '../../adapters/docker/types.js';
import { FleetError } from '../../core/errors.js';
import { applyServiceUpdate, type ServiceUpdateFlags } from '../../core/service-spec.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import type { ServiceOpInput } from './common.js';
import { waitConverged, type ConvergeOptions } from '../shared/service-converge.js';
import { adoptService, serviceChange, type ServiceChangeReport } from './report.js';

export type ServiceUpdateMode =
  { kind: 'update'; flags: ServiceUpdateFlags } | { kind: 'scale'; replicas: number } | { kind: 'rollback' };

export interface ServiceUpdateInput extends ServiceOpInput, ConvergeOptions {
  service: string;
  mode: ServiceUpdateMode;
  detach?: boolean;
}

function describe(mode: ServiceUpdateMode, name: string): string {
  if (mode.kind === 'scale') return `scale service ${name} to ${mode.replicas}`;
  if (mode.kind === 'rollback') return `roll service ${name} back to its previous spec`;
  return `update service ${name}`;
}

export async function run(
  input: ServiceUpdateInput,
  rt: Runtime,
): Promise<OperationResult<ServiceChangeReport>> {
  return serviceChange(rt, input, { command: input.mode.kind, service: input.service }, async (m, state) => {
    const svc = await adoptService(rt, m, state);
    let spec: ServiceSpec = svc.spec;
    const mode = input.mode;
    if (mode.kind === 'scale') {
      if (svc.mode !== 'replicated') {
        throw new FleetError(
          'usage',
          `service ${svc.name} is global: it runs one task per node and cannot be scaled`,
        );
      }
      spec = applyServiceUpdate(svc.spec, { replicas: mode.replicas });
    } else if (mode.kind === 'update') {
      spec = applyServiceUpdate(svc.spec, mode.flags);
    } else if (!svc.hasPreviousSpec) {
      throw new FleetError('usage', `service ${svc.name} has no previous spec to roll back to`);
    }
    const out = await m.engine.updateService(svc.id, svc.version, spec, {
      rollback: mode.kind === 'rollback',
      signal: rt.signal,
    });
    state.warnings = out.warnings;
    for (const w of out.warnings) rt.bus.log('warn', w, m.target.id);
    rt.bus.emit({
      type: 'change',
      host: m.target.id,
      description: describe(mode, svc.name),
      dryRun: false,
    });
    if (input.detach) return;
    state.converge = await waitConverged(rt, m, svc, input);
  });
}
