/**
 * /etc/docker/daemon.json, merged and never overwritten: fleet adds the keys it manages and keeps
 * every other key the user wrote, in the user's order. Managed keys:
 * - `log-opts` max-size / max-file when logs go to json-file (the default driver): without them a
 *   chatty container fills the eMMC of a Jetson; values the user set are kept.
 * - `default-runtime: nvidia` (and the `runtimes.nvidia` entry nvidia-docker2 writes, when missing)
 *   where the NVIDIA container runtime is installed and the node has a GPU: swarm services cannot pass
 *   `--gpus`/`--runtime`, so the default runtime is the only way a GPU service sees the GPU.
 * - `live-restore` removed: dockerd refuses swarm mode with it.
 */
import { FleetError } from './errors.js';

export const MANAGED_LOG_OPTS: Readonly<Record<string, string>> = { 'max-size': '10m', 'max-file': '3' };

export interface DaemonJsonWants {
  /** The NVIDIA runtime is installed (nvidia-container-runtime on PATH) and the node has a GPU. */
  nvidiaDefault: boolean;
}

export type JsonObject = Record<string, unknown>;

export interface DaemonJsonChange {
  /** Dotted key path, e.g. `log-opts.max-size`. */
  key: string;
  before: unknown;
  after: unknown;
  why: string;
}

export interface DaemonJsonMerge {
  before: JsonObject;
  after: JsonObject;
  changes: DaemonJsonChange[];
  /** The file to write (2-space JSON, trailing newline); undefined when nothing changes. */
  text?: string;
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses the file's text (empty or missing = {}); a broken file is an error, never replaced. */
export function parseDaemonJson(text: string | undefined, where: string): JsonObject {
  if (text === undefined || text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new FleetError('remote-exit', `${where}: not valid JSON (${(err as Error).message})`, {
      hint: 'fix the file by hand (dockerd would not start with it either); fleet leaves it untouched',
    });
  }
  if (!isObject(value)) {
    throw new FleetError('remote-exit', `${where}: must hold a JSON object, found ${typeof value}`, {
      hint: 'fix the file by hand; fleet leaves it untouched',
    });
  }
  return value;
}

export function mergeDaemonJson(before: JsonObject, wants: DaemonJsonWants): DaemonJsonMerge {
  const after: JsonObject = structuredClone(before);
  const changes: DaemonJsonChange[] = [];
  const driver = after['log-driver'];
  if (driver === undefined || driver === 'json-file') {
    const opts = isObject(after['log-opts']) ? { ...after['log-opts'] } : {};
    for (const [k, v] of Object.entries(MANAGED_LOG_OPTS)) {
      if (opts[k] !== undefined) continue;
      opts[k] = v;
      changes.push({ key: `log-opts.${k}`, before: undefined, after: v, why: 'rotate json-file logs' });
    }
    after['log-opts'] = opts;
  }
  if (wants.nvidiaDefault) {
    const runtimes = isObject(after.runtimes) ? { ...after.runtimes } : {};
    if (runtimes.nvidia === undefined) {
      runtimes.nvidia = { path: 'nvidia-container-runtime', runtimeArgs: [] };
      after.runtimes = runtimes;
      changes.push({
        key: 'runtimes.nvidia',
        before: undefined,
        after: runtimes.nvidia,
        why: 'register the installed NVIDIA runtime',
      });
    }
    if (after['default-runtime'] !== 'nvidia') {
      changes.push({
        key: 'default-runtime',
        before: after['default-runtime'],
        after: 'nvidia',
        why: 'swarm services see the GPU only through the default runtime',
      });
      after['default-runtime'] = 'nvidia';
    }
  }
  if (after['live-restore'] !== undefined) {
    changes.push({
      key: 'live-restore',
      before: after['live-restore'],
      after: undefined,
      why: 'dockerd refuses swarm mode with live-restore',
    });
    delete after['live-restore'];
  }
  return { before, after, changes, text: changes.length > 0 ? formatDaemonJson(after) : undefined };
}

export function formatDaemonJson(value: JsonObject): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** The diff as lines: `+ key: value`, `- key: value`, `~ key: old → new` (with why). */
export function describeChanges(changes: DaemonJsonChange[]): string[] {
  const show = (v: unknown): string => JSON.stringify(v);
  return changes.map((c) => {
    if (c.before === undefined) return `+ ${c.key}: ${show(c.after)} (${c.why})`;
    if (c.after === undefined) return `- ${c.key}: ${show(c.before)} (${c.why})`;
    return `~ ${c.key}: ${show(c.before)} → ${show(c.after)} (${c.why})`;
  });
}
