/**
 * `fleet mcp --print-config`: the JSON to add fleet to an MCP client (Claude Desktop's
 * claude_desktop_config.json, Claude Code's .mcp.json), naming this very program: the single
 * binary itself, or node plus bin/fleet.js for an npm install. Pure.
 */
export interface LaunchCommand {
  command: string;
  args: string[];
}

/** How this process was started: the binary (SEA) alone, or node with its script. */
export function selfLaunch(o: { execPath: string; script?: string; isSea: boolean }): LaunchCommand {
  return o.isSea || !o.script ? { command: o.execPath, args: [] } : { command: o.execPath, args: [o.script] };
}

export function mcpClientConfig(self: LaunchCommand, serverArgs: string[]): string {
  const config = {
    mcpServers: {
      fleet: { command: self.command, args: [...self.args, 'mcp', ...serverArgs] },
    },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
