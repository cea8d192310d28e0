/**
 * `fleet mcp`: the fleet's operations as MCP tools over stdio. One session (one SSH pool, kept
 * between calls; a connection idle for IDLE_CLOSE_MS is closed and the next call reconnects), one
 * job table, one audit log. Only the tools the flags allow are registered, so a client never sees
 * a tool it may not call. stdout carries protocol messages only: logs go to stderr.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';
import { runReportWriter } from '../../adapters/report-files.js';
import type { SshSettings } from '../../adapters/ssh/types.js';
import { openSession, type Session } from '../../runtime/session.js';
import type { Asker } from '../../runtime/types.js';
import { AuditLog } from './audit.js';
import { handleCall, type CallExtra } from './call.js';
import { accessAllowed, type McpConfig, type ServerContext, type ToolDef } from './context.js';
import { JobTable } from './jobs.js';
import { StatusSource } from './status-source.js';
import { DESTRUCTIVE_TOOLS } from './tools/destructive.js';
import { EXEC_TOOLS } from './tools/exec.js';
import { NETWORK_TOOLS } from './tools/network.js';
import { READ_TOOLS } from './tools/read.js';
import { WRITE_TOOLS } from './tools/write.js';

/** SSH connections unused this long are closed; the next call reconnects. */
export const IDLE_CLOSE_MS = 5 * 60_000;

/** The MCP server's stable report copies are reports/last-mcp-<command>.json. */
export const MCP_LAST_PREFIX = 'mcp-';

export const ALL_TOOLS: ToolDef[] = [
  ...READ_TOOLS,
  ...NETWORK_TOOLS,
  ...WRITE_TOOLS,
  ...DESTRUCTIVE_TOOLS,
  ...EXEC_TOOLS,
];

/** The tools a server started with these flags lists. */
export function allowedTools(config: McpConfig): ToolDef[] {
  return ALL_TOOLS.filter((t) => accessAllowed(config, t.access));
}

/**
 * No prompts: stdin is the protocol. Every question an operation would ask is refused, so the
 * operation stops with its usage error, which names what confirms it.
 */
export const refusingAsker: Asker = {
  canAsk: () => false,
  confirm: () => Promise.resolve(false),
};

export function createFleetMcpServer(ctx: ServerContext): McpServer {
  const server = new McpServer(
    { name: 'fleet', version: ctx.config.version },
    {
      instructions:
        'fleet operates a Docker Swarm of SSH-reachable hosts listed in nodes.yml. Start with fleet_status. Tools act only on hosts of nodes.yml; long calls accept background: true and report through fleet_job_status.',
    },
  );
  for (const def of allowedTools(ctx.config)) {
    server.registerTool(
      def.name,
      {
        title: def.title,
        description: def.description,
        inputSchema: def.input,
        // Results carry more than the fields a schema names (an op's report grows): extra keys are fine.
        outputSchema: z.object(def.output).passthrough(),
        annotations: { title: def.title, ...def.annotations, openWorldHint: false },
      },
      (args: Record<string, unknown>, extra: unknown) => handleCall(ctx, def, args, extra as CallExtra),
    );
  }
  return server;
}

export interface StdioServerOptions {
  config: McpConfig;
  ssh: SshSettings;
  sudoPassword?: string;
  auditPath: string;
  log(message: string): void;
}

/** Serves until stdin closes; then ends every call and closes the connections. */
export async function serveStdio(o: StdioServerOptions): Promise<void> {
  const session: Session = openSession({
    ssh: { ...o.ssh, idleCloseMs: IDLE_CLOSE_MS },
    sudoPassword: o.sudoPassword,
    ask: refusingAsker,
    keepPoolBetweenOperations: true,
    // reports/last-mcp-<command>.json: an agent's exec never replaces the last-exec.json a person's
    // `fleet exec --rerun-failed` reads.
    writeReport: runReportWriter(MCP_LAST_PREFIX),
  });
  session.bus.subscribe((e) => {
    if (e.type === 'log' && e.level === 'warn') o.log(`${e.host ? `${e.host}: ` : ''}${e.message}`);
  });
  const ctx: ServerContext = {
    config: o.config,
    session,
    jobs: new JobTable(),
    audit: new AuditLog(o.auditPath, o.log),
    status: new StatusSource(session, { concurrency: o.config.concurrency, sudo: o.config.sudo }),
    log: o.log,
  };
  const server = createFleetMcpServer(ctx);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
  });
  await server.connect(transport);
  o.log(
    `fleet mcp: ${allowedTools(o.config).length} tools (${[
      'read',
      o.config.allowWrite && 'write',
      o.config.allowWrite && o.config.allowExec && 'exec',
      o.config.allowWrite && o.config.allowDestructive && 'destructive',
    ]
      .filter(Boolean)
      .join(', ')}), audit log ${o.auditPath}`,
  );
  await closed;
  await ctx.status.stop();
  await server.close().catch(() => undefined);
  await session.close();
}
