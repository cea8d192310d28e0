/** Runs remote/facts.sh on a host (script on stdin, nothing on the command line) and parses it. */
import { loadRemoteScript } from '../../adapters/remote-scripts.js';
import type { SshConnection } from '../../adapters/ssh/types.js';
import { FleetError } from '../../core/errors.js';
import { parseFacts, type Facts } from '../../core/facts.js';

export interface FactsRead {
  facts: Facts;
  /** Local clock around the run (ms since epoch), for estimateClockSkewSeconds. */
  startedAt: number;
  endedAt: number;
}

export interface ReadFactsOptions {
  signal?: AbortSignal;
  sudo?: boolean;
  sudoPassword?: string;
  /** Default 60 s (preflight, discover); facts/score pass 30 s, as they always did. */
  timeoutMs?: number;
}

/** The remote script readFacts runs; `fleet up` also has the cluster lock run it (ClusterLockRequest.alsoRun). */
export const FACTS_SCRIPT = 'facts.sh';
/** facts.sh's argument for callers that read Docker through its API: docker facts come back `deferred`. */
export const FACTS_DOCKER_FROM_API = '--docker-from-api';

/** The one facts reader (was two: the swarm pipeline's and facts/score's). */
export async function readFacts(conn: SshConnection, options: ReadFactsOptions = {}): Promise<FactsRead> {
  const script = await loadRemoteScript(FACTS_SCRIPT);
  const startedAt = Date.now();
  const res = await conn.exec('sh -s', {
    stdin: script,
    timeoutMs: options.timeoutMs ?? 60_000,
    signal: options.signal,
    sudo: options.sudo,
    sudoPassword: options.sudoPassword,
  });
  const endedAt = Date.now();
  if (res.exitCode !== 0) {
    const why = res.stderr.toString('utf8').trim().split('\n').pop() ?? '';
    throw new FleetError(
      res.timedOut ? 'timeout' : 'remote-exit',
      `facts.sh ${res.timedOut ? 'timed out' : `exited ${res.exitCode ?? res.signal ?? 'without a code'}`}${why ? `: ${why}` : ''}`,
      { host: conn.host.id },
    );
  }
  return { facts: parseFacts(res.stdout.toString('utf8'), { host: conn.host.id }), startedAt, endedAt };
}
