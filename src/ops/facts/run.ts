/**
 * `fleet facts` / `fleet score` as an operation: run remote/facts.sh on every host (script on stdin
 * of `sh -s`, never on the command line) and return what each host is, or why it could not say.
 * One host's failure never stops the others; printing and exit codes belong to the front end.
 */
import { FleetError, toFleetError } from '../../core/errors.js';
import { estimateClockSkewSeconds, type Facts } from '../../core/facts.js';
import type { HostTarget } from '../../core/host.js';
import { forEachHost } from '../../runtime/for-each-host.js';
import type { Runtime } from '../../runtime/types.js';
import { readFacts } from '../shared/facts-reader.js';

export interface FactsInput {
  hosts: HostTarget[];
  /** Hosts probed at once (-c, FLEET_MAX_JOBS). */
  concurrency: number;
  /** --sudo: the probe runs as root, so a login user outside the docker group still sees the engine. */
  sudo?: boolean;
}

export interface HostFactsResult {
  id: string;
  facts?: Facts;
  /** Remote clock minus local clock, seconds (see estimateClockSkewSeconds). */
  clockSkewSeconds?: number;
  error?: FleetError;
}

/** Reads every host's facts, in input order; the session's connections are closed at the end. */
export async function run(input: FactsInput, rt: Runtime): Promise<HostFactsResult[]> {
  const pool = await rt.pool();
  try {
    return await forEachHost(input.hosts, { concurrency: input.concurrency }, async (target) => {
      try {
        const conn = await pool.connect(target);
        const { facts, startedAt, endedAt } = await readFacts(conn, {
          timeoutMs: 30_000,
          sudo: input.sudo,
          sudoPassword: rt.sudoPassword,
        });
        const { skew, uncertainty } = estimateClockSkewSeconds(facts, startedAt, endedAt);
        return { id: target.id, facts, clockSkewSeconds: Math.abs(skew) > uncertainty ? skew : 0 };
      } catch (err) {
        const error = toFleetError(err);
        return {
          id: target.id,
          error: error.host
            ? error
            : new FleetError(error.code, error.message, { host: target.id, hint: error.hint, cause: err }),
        };
      }
    });
  } finally {
    await rt.releasePool();
  }
}
