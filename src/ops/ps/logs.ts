/**
 * A container's log on one host, through that host's own engine (what `docker logs --tail N` shows):
 * the lines are collected, at most `maxBytes` of them (the newest kept), so a chatty container costs
 * a fixed amount of memory. Used by the MCP server's fleet_docker_logs.
 */
import { createDockerEngine } from '../../adapters/docker/engine.js';
import type { DockerEngine } from '../../adapters/docker/types.js';
import type { HostTarget } from '../../core/host.js';
import type { Runtime } from '../../runtime/types.js';

export interface ContainerLogsInput {
  host: HostTarget;
  /** Container id (or a prefix of it) or name. */
  container: string;
  /** Lines from the end of the log (default 200). */
  tail?: number;
  /** Unix seconds. */
  since?: number;
  timestamps?: boolean;
  /** Bytes of lines kept; older lines are dropped first (default 256 KiB). */
  maxBytes?: number;
}

export interface ContainerLogLine {
  stream: 'stdout' | 'stderr';
  line: string;
}

export interface ContainerLogsResult {
  host: string;
  container: string;
  lines: ContainerLogLine[];
  /** Lines received but dropped to stay under maxBytes (the oldest). */
  droppedLines: number;
}

export async function run(input: ContainerLogsInput, rt: Runtime): Promise<ContainerLogsResult> {
  const maxBytes = input.maxBytes ?? 256 * 1024;
  let engine: DockerEngine | undefined;
  try {
    const conn = await (await rt.pool()).connect(input.host, rt.signal);
    engine = await createDockerEngine(conn, { signal: rt.signal, sudoPassword: rt.sudoPassword });
    const stream = await engine.containerLogs(
      input.container,
      { tail: input.tail ?? 200, since: input.since, timestamps: input.timestamps },
      rt.signal,
    );
    const lines: ContainerLogLine[] = [];
    let bytes = 0;
    let droppedLines = 0;
    for await (const frame of stream) {
      lines.push({ stream: frame.stream, line: frame.line });
      bytes += frame.line.length + 1;
      while (bytes > maxBytes && lines.length > 1) {
        bytes -= (lines.shift() as ContainerLogLine).line.length + 1;
        droppedLines++;
      }
    }
    return { host: input.host.id, container: input.container, lines, droppedLines };
  } finally {
    engine?.close();
  }
}
