/** Zod pieces the tools share: host selectors, timeouts, and the shapes of common result parts. */
import { z } from 'zod';

export const hostsArg = z
  .string()
  .min(1)
  .optional()
  .describe('hosts of nodes.yml: ids, ranges and lists like "agx-01..03,spark" (default: every host)');

export const timeoutArg = (what: string, def: number, max = 3600) =>
  z.number().int().min(1).max(max).optional().describe(`${what}, seconds (default ${def}, at most ${max})`);

export const backgroundArg = z
  .boolean()
  .optional()
  .describe('return a job id at once and run in the background; poll fleet_job_status');

/** The annotations of a tool that only reads. */
export const READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true };

/** A result part kept as the operation returns it. */
export const anyObject = z.record(z.unknown());
export const rows = z.array(anyObject);

/** A background-capable tool's output: the result's fields, or only a job id when run in the background. */
export function orJob(shape: z.ZodRawShape): z.ZodRawShape {
  const out: z.ZodRawShape = { job_id: z.string().optional(), status: z.string().optional() };
  for (const [k, v] of Object.entries(shape)) out[k] = v.optional();
  return out;
}
