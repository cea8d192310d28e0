/**
 * `fleet service create/update` flags → an Engine API service spec (fields of API 1.41 only, so the
 * Jetsons' Docker 20.10 takes it). Pure: every bad value is a usage error naming the flag and value.
 */
import { parseByteSize } from './byte-size.js';
import { FleetError } from './errors.js';

export interface ServiceFlags {
  image?: string;
  command?: string[];
  replicas?: number;
  global?: boolean;
  env?: string[];
  publish?: string[];
  mount?: string[];
  constraint?: string[];
  gpu?: boolean;
  network?: string;
  label?: string[];
  limitCpu?: string;
  limitMemory?: string;
  updateParallelism?: number;
  updateDelay?: string;
  restartCondition?: string;
}

export const GPU_CONSTRAINT = 'node.labels.gpu==true';

export interface PortSpec {
  Protocol: 'tcp' | 'udp' | 'sctp';
  TargetPort: number;
  PublishedPort?: number;
  PublishMode?: 'ingress' | 'host';
}

export interface MountSpec {
  Type: 'bind' | 'volume' | 'tmpfs';
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
}

const usage = (flag: string, value: string, expected: string): FleetError =>
  new FleetError('usage', `${flag} "${value}": ${expected}`);

function port(text: string, flag: string, whole = text): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw usage(flag, whole, 'ports are 1-65535');
  return n;
}

/** "8080:80", "8080:80/udp", "80", "published=8080,target=80,mode=host". */
export function parsePublish(text: string): PortSpec {
  if (text.includes('=')) {
    const kv = keyValues(text, '--publish');
    if (!kv.target) throw usage('--publish', text, 'needs target=PORT');
    const mode = kv.mode ?? 'ingress';
    if (mode !== 'ingress' && mode !== 'host') throw usage('--publish', text, 'mode is ingress or host');
    const protocol = kv.protocol ?? 'tcp';
    if (!['tcp', 'udp', 'sctp'].includes(protocol))
      throw usage('--publish', text, 'protocol is tcp, udp or sctp');
    return {
      Protocol: protocol as PortSpec['Protocol'],
      TargetPort: port(kv.target, '--publish', text),
      ...(kv.published ? { PublishedPort: port(kv.published, '--publish', text) } : {}),
      PublishMode: mode,
    };
  }
  const m = /^(?:(\d+):)?(\d+)(?:\/(tcp|udp|sctp))?$/.exec(text);
  if (!m) throw usage('--publish', text, 'expected PUBLISHED:TARGET[/tcp|udp] or published=…,target=…');
  return {
    Protocol: (m[3] ?? 'tcp') as PortSpec['Protocol'],
    TargetPort: port(m[2]!, '--publish', text),
    ...(m[1] ? { PublishedPort: port(m[1], '--publish', text) } : {}),
    PublishMode: 'ingress',
  };
}

function keyValues(text: string, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) {
      if (part === 'readonly' || part === 'ro') out.readonly = 'true';
      else throw usage(flag, text, `"${part}" is not key=value`);
    } else out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/** "type=bind,source=/data,target=/data,readonly" (docker's --mount syntax, src/dst accepted). */
export function parseMount(text: string): MountSpec {
  const kv = keyValues(text, '--mount');
  const type = kv.type ?? 'volume';
  if (!['bind', 'volume', 'tmpfs'].includes(type))
    throw usage('--mount', text, 'type is bind, volume or tmpfs');
  const target = kv.target ?? kv.dst ?? kv.destination;
  if (!target) throw usage('--mount', text, 'needs target=PATH');
  const source = kv.source ?? kv.src;
  if (type === 'bind' && !source) throw usage('--mount', text, 'a bind mount needs source=PATH');
  const ro = kv.readonly ?? kv.ro;
  return {
    Type: type as MountSpec['Type'],
    Target: target,
    ...(source ? { Source: source } : {}),
    ...(ro !== undefined ? { ReadOnly: ro !== 'false' && ro !== '0' } : {}),
  };
}

/** "10s", "1m30s", "500ms", "2h" → nanoseconds (Engine API durations). */
export function parseDurationNs(text: string, flag: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  const unit: Record<string, number> = { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * unit[m[2]!]!;
    consumed += m[0].length;
  }
  if (consumed === 0 || consumed !== text.length)
    throw usage(flag, text, 'expected a duration like 10s, 1m30s or 500ms');
  return Math.round(total);
}

export function parseLabels(items: string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items ?? []) {
    const eq = item.indexOf('=');
    const key = eq === -1 ? item : item.slice(0, eq);
    if (!key.trim()) throw usage(flag, item, 'expected KEY=VALUE');
    out[key] = eq === -1 ? '' : item.slice(eq + 1);
  }
  return out;
}

export function parseCpus(text: string): number {
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || n <= 0)
    throw usage('--limit-cpu', text, 'expected a CPU count like 0.5 or 2');
  return Math.round(n * 1e9);
}

export function parseMemory(text: string): number {
  const bytes = parseByteSize(text);
  if (!bytes) throw usage('--limit-memory', text, 'expected a size like 512M or 2G');
  return bytes;
}

const RESTART = ['none', 'on-failure', 'any'];

/** A full spec for `service create`. `network` is already resolved (default: fleet up's overlay). */
export function buildServiceSpec(name: string, f: ServiceFlags): Record<string, unknown> & { Name: string } {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name) || name.length > 63) {
    throw new FleetError('usage', `service name "${name}" is not valid`, {
      hint: 'use letters, digits, "_", "." and "-", starting with a letter or digit (at most 63)',
    });
  }
  if (!f.image) throw new FleetError('usage', 'service create needs --image IMAGE');
  if (f.global && f.replicas !== undefined)
    throw new FleetError('usage', '--replicas and --global exclude each other');
  if (f.restartCondition && !RESTART.includes(f.restartCondition)) {
    throw usage('--restart-condition', f.restartCondition, `one of ${RESTART.join(', ')}`);
  }
  const constraints = [...(f.constraint ?? [])];
  if (f.gpu && !constraints.includes(GPU_CONSTRAINT)) constraints.push(GPU_CONSTRAINT);
  const limits: Record<string, number> = {};
  if (f.limitCpu) limits.NanoCPUs = parseCpus(f.limitCpu);
  if (f.limitMemory) limits.MemoryBytes = parseMemory(f.limitMemory);
  const update: Record<string, number | string> = {};
  if (f.updateParallelism !== undefined) update.Parallelism = f.updateParallelism;
  if (f.updateDelay) update.Delay = parseDurationNs(f.updateDelay, '--update-delay');
  const ports = (f.publish ?? []).map(parsePublish);
  return {
    Name: name,
    Labels: parseLabels(f.label, '--label'),
    TaskTemplate: {
      ContainerSpec: {
        Image: f.image,
        ...(f.command && f.command.length > 0 ? { Command: f.command } : {}),
        ...(f.env && f.env.length > 0 ? { Env: f.env } : {}),
        ...(f.mount && f.mount.length > 0 ? { Mounts: f.mount.map(parseMount) } : {}),
      },
      ...(Object.keys(limits).length > 0 ? { Resources: { Limits: limits } } : {}),
      ...(f.restartCondition ? { RestartPolicy: { Condition: f.restartCondition } } : {}),
      ...(constraints.length > 0 ? { Placement: { Constraints: constraints } } : {}),
      ...(f.network ? { Networks: [{ Target: f.network }] } : {}),
    },
    Mode: f.global ? { Global: {} } : { Replicated: { Replicas: f.replicas ?? 1 } },
    ...(Object.keys(update).length > 0 ? { UpdateConfig: update } : {}),
    ...(ports.length > 0 ? { EndpointSpec: { Ports: ports } } : {}),
  };
}

export interface ServiceUpdateFlags extends ServiceFlags {
  envRm?: string[];
  labelRm?: string[];
  constraintRm?: string[];
  /** Restart every task even when nothing else changed (ForceUpdate counter). */
  force?: boolean;
}

type Spec = Record<string, unknown> & {
  Labels?: unknown;
  UpdateConfig?: unknown;
  EndpointSpec?: unknown;
  TaskTemplate?: Record<string, unknown> & { ContainerSpec?: Record<string, unknown> };
  Mode?: Record<string, unknown>;
};

/** The spec `service update` sends: `spec` (read with its version) with only the flags given changed. */
export function applyServiceUpdate<S extends Spec>(spec: S, f: ServiceUpdateFlags): S {
  const out = structuredClone(spec);
  const task = (out.TaskTemplate ??= {});
  const container = (task.ContainerSpec ??= {});
  if (f.image) container.Image = f.image;
  if (f.env?.length || f.envRm?.length) {
    const drop = new Set([...(f.envRm ?? []), ...(f.env ?? []).map((e) => e.split('=')[0])]);
    const kept = ((container.Env as string[] | undefined) ?? []).filter((e) => !drop.has(e.split('=')[0]!));
    container.Env = [...kept, ...(f.env ?? [])];
  }
  if (f.replicas !== undefined) {
    if (!out.Mode || !('Replicated' in out.Mode)) {
      throw new FleetError('usage', '--replicas applies to replicated services only (this one is global)');
    }
    out.Mode = { Replicated: { Replicas: f.replicas } };
  }
  if (f.label?.length || f.labelRm?.length) {
    const labels = { ...((out.Labels as Record<string, string> | undefined) ?? {}) };
    for (const k of f.labelRm ?? []) delete labels[k];
    out.Labels = { ...labels, ...parseLabels(f.label, '--label') };
  }
  const placement = (task.Placement as { Constraints?: string[] } | undefined) ?? {};
  if (f.constraint?.length || f.constraintRm?.length || f.gpu) {
    const rm = new Set(f.constraintRm ?? []);
    const add = [...(f.constraint ?? []), ...(f.gpu ? [GPU_CONSTRAINT] : [])];
    const kept = (placement.Constraints ?? []).filter((c) => !rm.has(c) && !add.includes(c));
    task.Placement = { ...placement, Constraints: [...kept, ...add] };
  }
  if (f.limitCpu || f.limitMemory) {
    const resources = (task.Resources as { Limits?: Record<string, number> } | undefined) ?? {};
    const limits = { ...(resources.Limits ?? {}) };
    if (f.limitCpu) limits.NanoCPUs = parseCpus(f.limitCpu);
    if (f.limitMemory) limits.MemoryBytes = parseMemory(f.limitMemory);
    task.Resources = { ...resources, Limits: limits };
  }
  if (f.restartCondition) {
    if (!RESTART.includes(f.restartCondition)) {
      throw usage('--restart-condition', f.restartCondition, `one of ${RESTART.join(', ')}`);
    }
    task.RestartPolicy = { ...((task.RestartPolicy as object) ?? {}), Condition: f.restartCondition };
  }
  if (f.updateParallelism !== undefined || f.updateDelay) {
    const update = { ...((out.UpdateConfig as Record<string, unknown> | undefined) ?? {}) };
    if (f.updateParallelism !== undefined) update.Parallelism = f.updateParallelism;
    if (f.updateDelay) update.Delay = parseDurationNs(f.updateDelay, '--update-delay');
    out.UpdateConfig = update;
  }
  if (f.publish?.length) {
    const endpoint = (out.EndpointSpec as { Ports?: PortSpec[] } | undefined) ?? {};
    const add = f.publish.map(parsePublish);
    const kept = (endpoint.Ports ?? []).filter((p) => !add.some((a) => a.TargetPort === p.TargetPort));
    out.EndpointSpec = { ...endpoint, Ports: [...kept, ...add] };
  }
  if (f.force) task.ForceUpdate = Number(task.ForceUpdate ?? 0) + 1;
  return out;
}

/** --since: "10m"/"2h30m" ago, an ISO time, or unix seconds → unix seconds. */
export function parseSince(text: string, nowMs: number): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  if (/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(text)) return (nowMs - parseDurationNs(text, '--since') / 1e6) / 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at))
    throw usage('--since', text, 'expected 10m, 2h, an ISO time (2026-01-30T10:00:00Z) or unix seconds');
  return at / 1000;
}
