/**
 * Files a compose file refers to on the machine that deploys it: `env_file` of services, `file:` of
 * configs and secrets. `docker stack deploy -c -` on a manager would look for them on the manager,
 * so fleet resolves them the way docker would on the admin machine (relative to the compose file's
 * folder) and sends them along: env files are inlined into `environment:` with docker's precedence,
 * config and secret files are copied to the manager and their `file:` rewritten to the copies. A file
 * that cannot be read is refused, naming each one, before anything changes.
 */
import { isAbsolute, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { FleetError } from './errors.js';

export type LocalFileKind = 'env_file' | 'configs' | 'secrets';

export interface LocalFileRef {
  /** Where in the compose file: "services.web.env_file", "secrets.db_password.file". */
  where: string;
  kind: LocalFileKind;
  /** The service (env_file) or the config/secret the file belongs to. */
  owner: string;
  /** As written in the compose file. */
  path: string;
  /** `env_file: [{path, required: false}]` may be missing; everything else must exist. */
  required: boolean;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

function parseCompose(text: string, file: string): Json {
  let doc: unknown;
  try {
    // merge: docker's loader accepts YAML 1.1 merge keys (`<<: *defaults`).
    doc = parse(text, { merge: true });
  } catch (err) {
    throw new FleetError('usage', `${file}: not valid YAML (${(err as Error).message.split('\n')[0]})`);
  }
  if (!doc || typeof doc !== 'object')
    throw new FleetError('usage', `${file}: not a compose file (no services)`);
  return doc as Json;
}

function envFileItems(svc: Json): { path: string; required: boolean }[] {
  const env = svc.env_file;
  const list = Array.isArray(env) ? env : env === undefined ? [] : [env];
  return list
    .map((item) =>
      typeof item === 'string'
        ? { path: item, required: true }
        : { path: String(obj(item).path ?? ''), required: obj(item).required !== false },
    )
    .filter((i) => i.path !== '');
}

export function composeLocalFiles(text: string, file: string): LocalFileRef[] {
  const doc = parseCompose(text, file);
  const refs: LocalFileRef[] = [];
  for (const [name, svc] of Object.entries(obj(doc.services))) {
    for (const item of envFileItems(obj(svc))) {
      refs.push({ where: `services.${name}.env_file`, kind: 'env_file', owner: name, ...item });
    }
  }
  for (const kind of ['configs', 'secrets'] as const) {
    for (const [name, def] of Object.entries(obj(doc[kind]))) {
      const path = obj(def).file;
      if (typeof path === 'string') {
        refs.push({ where: `${kind}.${name}.file`, kind, owner: name, path, required: true });
      }
    }
  }
  return refs;
}

/** Where docker would read a referenced file: relative paths from the compose file's folder. */
export function localPathOf(ref: Pick<LocalFileRef, 'path'>, composeDir: string): string {
  return isAbsolute(ref.path) ? ref.path : join(composeDir, ref.path);
}

/** The refusal: every file that could not be read, by where it appears and why. */
export function refuseLocalFiles(problems: { ref: LocalFileRef; reason: string }[], file: string): void {
  if (problems.length === 0) return;
  const list = problems.map((p) => `${p.ref.where}: ${p.ref.path} (${p.reason})`).join('; ');
  throw new FleetError('usage', `${file} refers to files fleet cannot read: ${list}`, {
    hint: 'paths are taken from the compose file’s folder, as docker does; fix them or create the files',
  });
}

/**
 * An env file as docker's CLI reads it (docker/cli opts.ParseEnvFile): leading blanks dropped, blank
 * and `#` lines skipped, `KEY=VALUE` with the value kept exactly, a bare `KEY` taken from the admin
 * machine's environment when set there (else left out); a key with blanks is an error naming the line.
 */
export function parseEnvFile(
  text: string,
  file: string,
  lookupEnv: (key: string) => string | undefined,
): [string, string][] {
  const out: [string, string][] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '').replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const key = eq < 0 ? line : line.slice(0, eq);
    if (key === '' || /[ \t]/.test(key)) {
      // The line itself is not quoted: its value may be a secret.
      const what = key === '' ? 'no variable name' : `variable name "${key}" contains blanks`;
      throw new FleetError('usage', `${file}:${i + 1}: ${what}`, {
        hint: 'env file lines are KEY=VALUE, as docker reads them',
      });
    }
    if (eq >= 0) out.push([key, line.slice(eq + 1)]);
    else {
      const value = lookupEnv(key);
      if (value !== undefined) out.push([key, value]);
    }
  });
  return out;
}

export interface SentFiles {
  /** Parsed env files by path as written (a missing optional one is absent). */
  envFiles: Map<string, [string, string][]>;
  /** The manager's copy of each config/secret file, by `where`. */
  remotePaths: Map<string, string>;
  lookupEnv: (key: string) => string | undefined;
}

/** The service's own `environment:` as entries; a bare `KEY` is null (docker looks it up). */
function environmentEntries(env: unknown): [string, unknown][] {
  if (Array.isArray(env)) {
    return env.map((item) => {
      const s = String(item);
      const eq = s.indexOf('=');
      return eq < 0 ? [s, null] : [s.slice(0, eq), s.slice(eq + 1)];
    });
  }
  return Object.entries(obj(env));
}

/**
 * The compose text the manager gets: env files folded into `environment:` (later files win, then the
 * service's own `environment:` wins, an empty file value gives way to the admin's environment, as in
 * docker's loader; `$` doubled since the manager's docker interpolates the text), `file:` of configs
 * and secrets pointing at the copies.
 */
export function inlineLocalFiles(text: string, file: string, sent: SentFiles): string {
  const doc = parseCompose(text, file);
  for (const [, svc] of Object.entries(obj(doc.services))) {
    const s = obj(svc);
    const items = envFileItems(s);
    if (items.length === 0) continue;
    const env = new Map<string, unknown>();
    for (const item of items) {
      for (const [k, v] of sent.envFiles.get(item.path) ?? []) {
        const fromAdmin = v === '' ? sent.lookupEnv(k) : undefined;
        env.set(k, (fromAdmin ?? v).replace(/\$/g, '$$$$'));
      }
    }
    for (const [k, v] of environmentEntries(s.environment)) env.set(k, v);
    delete s.env_file;
    s.environment = Object.fromEntries(env);
  }
  for (const kind of ['configs', 'secrets'] as const) {
    for (const [name, def] of Object.entries(obj(doc[kind]))) {
      const remote = sent.remotePaths.get(`${kind}.${name}.file`);
      if (remote !== undefined) obj(def).file = remote;
    }
  }
  return stringify(doc, { aliasDuplicateObjects: false, lineWidth: 0 });
}
