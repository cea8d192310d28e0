/**
 * Files a compose file refers to on the machine that deploys it: `env_file` of services, `file:` of
 * configs and secrets. `docker stack deploy -c -` on a manager would look for them on the manager,
 * not where the user wrote them, so fleet refuses the deploy naming each one before anything changes.
 */
import { parse } from 'yaml';
import { FleetError } from './errors.js';

export interface LocalFileRef {
  /** Where in the compose file: "services.web.env_file", "secrets.db_password.file". */
  where: string;
  path: string;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

export function composeLocalFiles(text: string, file: string): LocalFileRef[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new FleetError('usage', `${file}: not valid YAML (${(err as Error).message.split('\n')[0]})`);
  }
  if (!doc || typeof doc !== 'object')
    throw new FleetError('usage', `${file}: not a compose file (no services)`);
  const refs: LocalFileRef[] = [];
  for (const [name, svc] of Object.entries(obj(obj(doc).services))) {
    const env = obj(svc).env_file;
    const list = Array.isArray(env) ? env : env === undefined ? [] : [env];
    for (const item of list) {
      const path = typeof item === 'string' ? item : String(obj(item).path ?? '');
      if (path) refs.push({ where: `services.${name}.env_file`, path });
    }
  }
  for (const kind of ['configs', 'secrets']) {
    for (const [name, def] of Object.entries(obj(obj(doc)[kind]))) {
      const path = obj(def).file;
      if (typeof path === 'string') refs.push({ where: `${kind}.${name}.file`, path });
    }
  }
  return refs;
}

/** The refusal: every referenced file, by where it appears. */
export function refuseLocalFiles(refs: LocalFileRef[], file: string): void {
  if (refs.length === 0) return;
  const list = refs.map((r) => `${r.where}: ${r.path}`).join('; ');
  throw new FleetError('usage', `${file} refers to local files the manager cannot read: ${list}`, {
    hint: 'inline them (environment:, or create the config/secret on the swarm first and mark it external: true)',
  });
}
