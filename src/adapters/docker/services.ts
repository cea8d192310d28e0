/**
 * Service requests: list, inspect, create, update (with its version; `rollback=previous` for a
 * rollback), remove, and logs (a multiplexed stream, demultiplexed in log-stream.ts).
 */
import type { Readable } from 'node:stream';
import { dockerStatus } from './errors.js';
import type { EngineApi } from './engine-api.js';
import { asList, filterQuery, obj, str } from './parse.js';
import { LogDemuxer } from './log-stream.js';
import type {
  LogFrame,
  ServiceLogOptions,
  ServiceLogStream,
  ServicePort,
  ServiceSpec,
  SwarmFilters,
  SwarmService,
} from './types.js';

type Json = Record<string, unknown>;

export function parseService(raw: unknown): SwarmService {
  const svc = obj(raw);
  const spec = obj(svc.Spec) as unknown as ServiceSpec;
  const mode = obj(spec.Mode);
  const replicated = mode.Replicated ? obj(mode.Replicated) : undefined;
  const update = svc.UpdateStatus ? obj(svc.UpdateStatus) : undefined;
  const endpoint = obj(obj(svc.Endpoint).Spec);
  const ports = (
    Array.isArray(endpoint.Ports) ? endpoint.Ports : (spec.EndpointSpec?.Ports ?? [])
  ) as ServicePort[];
  return {
    id: str(svc.ID),
    version: Number(obj(svc.Version).Index ?? 0),
    name: str(spec.Name),
    image: str(obj(obj(spec.TaskTemplate).ContainerSpec).Image),
    mode: replicated || !mode.Global ? 'replicated' : 'global',
    replicas: replicated ? Number(replicated.Replicas ?? 0) : undefined,
    labels: { ...((spec.Labels as Record<string, string> | undefined) ?? {}) },
    ports,
    createdAt: str(svc.CreatedAt),
    updatedAt: str(svc.UpdatedAt),
    updateState: update ? str(update.State) : undefined,
    updateMessage: update ? str(update.Message) : undefined,
    hasPreviousSpec: Boolean(svc.PreviousSpec),
    spec,
  };
}

export async function listServices(
  api: EngineApi,
  filters?: SwarmFilters,
  signal?: AbortSignal,
): Promise<SwarmService[]> {
  return asList(await api.get(`/services${filterQuery(filters)}`, signal), api.host, 'GET /services').map(
    parseService,
  );
}

export function inspectService(
  api: EngineApi,
  idOrName: string,
  signal?: AbortSignal,
): Promise<SwarmService | undefined> {
  return api
    .call(`GET /services/${idOrName}`, signal, async (signal) =>
      parseService(await api.docker.getService(idOrName).inspect({ abortSignal: signal } as never)),
    )
    .catch((err: unknown) => {
      if (dockerStatus(err) === 404) return undefined;
      throw err;
    });
}

const warningsOf = (out: unknown): string[] =>
  (Array.isArray(obj(out).Warnings) ? (obj(out).Warnings as unknown[]) : []).map(String);

export function createService(
  api: EngineApi,
  spec: ServiceSpec,
  signal?: AbortSignal,
): Promise<{ id: string; warnings: string[] }> {
  return api.call('POST /services/create', signal, async (signal) => {
    // dockerode's createService wraps the answer in a Service object; dial keeps the warnings.
    const out = await dial(api, {
      path: '/services/create',
      method: 'POST',
      options: { _query: {}, _body: spec },
      statusCodes: { 200: true, 201: true, 409: 'name conflicts with an existing object' },
      abortSignal: signal,
    });
    return { id: str(obj(out).ID), warnings: warningsOf(out) };
  });
}

export function updateService(
  api: EngineApi,
  id: string,
  version: number,
  spec: ServiceSpec,
  o: { rollback?: boolean; signal?: AbortSignal } = {},
): Promise<{ warnings: string[] }> {
  return api.call(`POST /services/${id}/update`, o.signal, async (signal) => {
    const query: Json = { version };
    if (o.rollback) query.rollback = 'previous';
    const out = await api.docker
      .getService(id)
      .update({ _query: query, _body: spec, abortSignal: signal } as never);
    return { warnings: warningsOf(out) };
  });
}

export function removeService(api: EngineApi, id: string, signal?: AbortSignal): Promise<void> {
  return api.call(`DELETE /services/${id}`, signal, async (signal) => {
    await api.docker.getService(id).remove({ abortSignal: signal } as never);
  });
}

function dial(api: EngineApi, options: Json): Promise<unknown> {
  const modem = api.docker.modem as unknown as {
    dial(o: Json, cb: (err: unknown, data: unknown) => void): void;
  };
  return new Promise((resolve, reject) =>
    modem.dial(options, (err, data) => (err ? reject(err) : resolve(data))),
  );
}

/**
 * GET /services/{id}/logs as a stream of LogFrames. Only opening the stream has a deadline: a
 * followed log stays open as long as the user wants it. `signal` (Ctrl-C) or close() ends it.
 */
export function serviceLogs(
  api: EngineApi,
  id: string,
  o: ServiceLogOptions,
  signal?: AbortSignal,
): Promise<ServiceLogStream> {
  return openLogStream(api, `/services/${id}/logs`, o, true, signal, {
    404: 'no such service',
    503: 'node is not part of a swarm',
  });
}

/**
 * A logs endpoint (a service's or a container's) as LogFrames; `details` asks for the swarm labels
 * of each line (services only).
 */
export async function openLogStream(
  api: EngineApi,
  path: string,
  o: ServiceLogOptions,
  details: boolean,
  signal: AbortSignal | undefined,
  statusCodes: Record<number, string>,
): Promise<ServiceLogStream> {
  const query: Json = { stdout: true, stderr: true, details, follow: Boolean(o.follow) };
  if (o.tail !== undefined) query.tail = String(o.tail);
  if (o.since !== undefined) query.since = String(o.since);
  if (o.timestamps) query.timestamps = true;
  const stream = (await api.call(`GET ${path}`, signal, (signal) =>
    dial(api, {
      path: `${path}?`,
      method: 'GET',
      isStream: true,
      options: query,
      statusCodes: { 200: true, ...statusCodes },
      abortSignal: signal,
    }),
  )) as Readable;
  const close = (): void => {
    stream.destroy();
  };
  signal?.addEventListener('abort', close, { once: true });
  return {
    close,
    async *[Symbol.asyncIterator](): AsyncIterator<LogFrame> {
      const pending: LogFrame[] = [];
      const demux = new LogDemuxer((f) => pending.push(f));
      try {
        for await (const chunk of stream) {
          demux.push(chunk as Buffer);
          yield* pending.splice(0);
        }
      } catch (err) {
        // Destroyed by close()/Ctrl-C: the end the user asked for, not a failure.
        if (!stream.destroyed) throw err;
      } finally {
        demux.end();
        yield* pending.splice(0);
        signal?.removeEventListener('abort', close);
      }
    },
  };
}
