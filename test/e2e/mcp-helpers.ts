/**
 * Driving `fleet mcp` as a client would: the SDK's Client over StdioClientTransport, spawning the
 * built CLI (or the single binary) with the lab's HOME, stderr kept for messages.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { join } from 'node:path';
import type { Lab } from '../lab/index.js';

export const BIN = join(process.cwd(), 'bin', 'fleet.js');

export interface McpRun {
  client: Client;
  stderr: () => string;
  /** Progress notifications received, by call. */
  progress: string[];
  call(name: string, args?: Record<string, unknown>, o?: { progress?: boolean }): Promise<CallToolResult>;
  close(): Promise<void>;
}

export async function startMcp(
  lab: Lab,
  cwd: string,
  args: string[],
  o: { command?: string[]; env?: Record<string, string> } = {},
): Promise<McpRun> {
  const [command, ...pre] = o.command ?? [process.execPath, BIN];
  const transport = new StdioClientTransport({
    command: command as string,
    args: [...pre, 'mcp', ...args],
    cwd,
    env: { ...(process.env as Record<string, string>), HOME: lab.home, NO_COLOR: '1', ...o.env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const client = new Client({ name: 'fleet-e2e', version: '1.0.0' });
  await client.connect(transport);
  const progress: string[] = [];
  return {
    client,
    stderr: () => stderr,
    progress,
    async call(name, toolArgs = {}, co = {}) {
      const result = await client.callTool(
        { name, arguments: toolArgs },
        undefined,
        co.progress
          ? {
              onprogress: (p) => progress.push(p.message ?? String(p.progress)),
              timeout: 240_000,
              resetTimeoutOnProgress: true,
            }
          : { timeout: 240_000 },
      );
      return result as CallToolResult;
    },
    close: () => client.close(),
  };
}

/** The text of a tool result (errors carry their reason there). */
export function textOf(r: CallToolResult): string {
  return r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

export function structured<T = Record<string, unknown>>(r: CallToolResult): T {
  if (r.isError) throw new Error(`tool failed: ${textOf(r)}`);
  return r.structuredContent as T;
}
