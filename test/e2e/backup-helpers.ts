/**
 * Shared by the backup e2e files: the report schema, the quorum sampler, small lab shell helpers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { Lab } from '../lab/index.js';

const ajv = new Ajv({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv) => void)(ajv);
const validateReport = ajv.compile(
  JSON.parse(readFileSync(join(process.cwd(), 'schema', 'backup-report.schema.json'), 'utf8')),
);

export function reportSchemaErrors(report: unknown): string {
  return validateReport(report) ? '' : ajv.errorsText(validateReport.errors);
}

export interface BackupReportShape {
  command: string;
  backup_id: string | null;
  complete: boolean;
  exit_code: number;
  error: string | null;
  swarm: { host: string; node_id: string; autolock: boolean } | null;
  hosts: { id: string; status: string; error: string | null }[];
  items: { host: string; kind: string; source: string; key: string; status: string; size: number | null }[];
  changes: { host: string | null; description: string }[];
  retention: { deleted: { id: string }[]; kept: string[]; dry_run?: boolean } | null;
}

export function readReport(cwd: string, command: 'backup' | 'restore'): BackupReportShape {
  return JSON.parse(readFileSync(join(cwd, 'reports', `last-${command}.json`), 'utf8')) as BackupReportShape;
}

/** The host currently leading the swarm, asked on the first of `hosts` that is a manager. */
export async function leaderOf(lab: Lab, hosts: string[]): Promise<string> {
  for (const via of hosts) {
    const r = await lab.exec(via, "docker node ls --format '{{.Hostname}} {{.ManagerStatus}}'");
    const line = r.stdout.split('\n').find((l) => l.endsWith(' Leader'));
    if (r.code === 0 && line) return line.split(' ')[0]!;
  }
  throw new Error(`no manager among ${hosts.join(', ')} knows a leader`);
}

/**
 * Runs `docker node ls` on the leader in a loop. Each sample records whether the command worked (it
 * fails without quorum) and how many managers were Leader/Reachable.
 */
export function sampleQuorum(
  lab: Lab,
  leader: string,
): { stop(): Promise<{ ok: boolean; reachable: number; text: string }[]> } {
  let running = true;
  const samples: { ok: boolean; reachable: number; text: string }[] = [];
  const loop = (async () => {
    while (running) {
      const r = await lab.exec(leader, "docker node ls --format '{{.Hostname}} {{.ManagerStatus}}'");
      const reachable = r.stdout.split('\n').filter((l) => / (Leader|Reachable)$/.test(l)).length;
      samples.push({ ok: r.code === 0, reachable, text: r.code === 0 ? r.stdout : r.stderr });
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return samples;
    },
  };
}
