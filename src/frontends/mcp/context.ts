/**
 * What every tool of the MCP server shares: the server's configuration (flags of `fleet mcp`), the
 * one session (one SSH pool for the life of the server), the job table and the audit log; and what
 * one call gets (ToolCall): its Runtime, progress, and host selection limited to nodes.yml.
 */
import type { z } from 'zod';
import type { SshSettings } from '../../adapters/ssh/types.js';
import type { Env } from '../../core/config.js';
import { FleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import type { Inventory } from '../../core/inventory-model.js';
import type { Session } from '../../runtime/session.js';
import type { Runtime } from '../../runtime/types.js';
import type { AuditLog } from './audit.js';
import type { JobTable } from './jobs.js';
import type { StatusAnswer, StatusSource } from './status-source.js';

/** What a tool may do; `fleet mcp` lists a tool only when its access is allowed. */
export type Access = 'read' | 'write' | 'exec' | 'destructive';

export interface McpConfig {
  /** -f nodes.yml (default: $FLEET_INVENTORY, else ./nodes.yml). */
  inventory?: string;
  identity?: string[];
  sudo: boolean;
  allowWrite: boolean;
  allowExec: boolean;
  allowDestructive: boolean;
  /** --exec-allow patterns (core/exec-allow.ts); empty: any command (with --allow-exec). */
  execAllow: string[];
  /** Hosts at once (status, exec, facts, …). */
  concurrency: number;
  /** FLEET_BACKUP_TO, FLEET_S3_*, AWS_REGION for the backup store. */
  env: Env;
  version: string;
}

export function accessAllowed(config: McpConfig, access: Access): boolean {
  if (access === 'read') return true;
  if (!config.allowWrite) return false;
  if (access === 'exec') return config.allowExec;
  if (access === 'destructive') return config.allowDestructive;
  return true;
}

export interface ServerContext {
  config: McpConfig;
  session: Session;
  jobs: JobTable;
  audit: AuditLog;
  /** fleet_status's cluster observer, started by the first call. */
  status: StatusSource;
  /** A line on stderr (stdout is the protocol). */
  log(message: string): void;
}

/** What one tool call gets. */
export interface ToolCall {
  rt: Runtime;
  config: McpConfig;
  /** A progress notification (when the client asked for them) and the job's progress line. */
  progress(message: string): void;
  /** Hosts of nodes.yml chosen by a selector (`agx-01..03,spark`; default every host) or a pinned role. */
  hosts(selector?: string, role?: 'manager' | 'worker'): Promise<HostTarget[]>;
  /** Every host of nodes.yml: where the swarm's managers are looked for. */
  managers(): Promise<HostTarget[]>;
  inventory(): Promise<Inventory>;
  /** Hosts the call acted on, for the audit log. */
  touched(ids: string[]): void;
  jobs: JobTable;
  /** Takes the cluster lock for this call (like the CLI's changing commands); refused at once when held. */
  lock(command: string, selected: HostTarget[]): Promise<void>;
  /** The session's SSH settings (a scan's logins use them). */
  sshSettings: SshSettings;
  /** Every host's status from the server's cluster observer (status-source.ts: how recent). */
  status(o: { fresh?: boolean }): Promise<StatusAnswer>;
}

export interface ToolOutput {
  result: Record<string, unknown>;
  /** Set when the operation stopped early: the call is an error, the result still goes back. */
  error?: FleetError;
  report?: string;
}

export type Annotations = { readOnlyHint: boolean; destructiveHint: boolean; idempotentHint: boolean };

export interface ToolDef<I extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  access: Access;
  input: I;
  output: z.ZodRawShape;
  annotations: Annotations;
  /** Accepts `background: true`: returns a job id at once (poll fleet_job_status). */
  background?: boolean;
  run(args: z.objectOutputType<I, z.ZodTypeAny>, call: ToolCall): Promise<ToolOutput>;
}

/** Keeps each tool's argument types while the list holds them all. */
export function defineTool<I extends z.ZodRawShape>(def: ToolDef<I>): ToolDef {
  return def as unknown as ToolDef;
}

export function noInventory(): FleetError {
  return new FleetError('usage', 'fleet mcp needs nodes.yml: tools act only on hosts of the inventory', {
    hint: 'start it with -f nodes.yml (or set FLEET_INVENTORY)',
  });
}
