/**
 * The MCP server's pure parts: output cut for the agent (truncate.ts), which tools each set of flags
 * lists and whether their annotations tell the truth, the audit log's argument masking, the
 * --print-config snippet and how an error reads.
 */
import { describe, expect, it } from 'vitest';
import { FleetError } from '../../src/core/errors.js';
import { clearSecrets, registerSecret } from '../../src/core/redact.js';
import { auditArguments } from '../../src/frontends/mcp/audit.js';
import { errorText, jsonSafe } from '../../src/frontends/mcp/call.js';
import { mcpClientConfig, selfLaunch } from '../../src/frontends/mcp/client-config.js';
import type { McpConfig } from '../../src/frontends/mcp/context.js';
import { ALL_TOOLS, allowedTools } from '../../src/frontends/mcp/server.js';
import { AGENT_OUTPUT_LIMIT, cutForAgent } from '../../src/frontends/mcp/truncate.js';

const base: McpConfig = {
  sudo: false,
  allowWrite: false,
  allowExec: false,
  allowDestructive: false,
  execAllow: [],
  concurrency: 32,
  env: {},
  version: 'test',
};
const names = (c: Partial<McpConfig>): string[] => allowedTools({ ...base, ...c }).map((t) => t.name);

describe('cutForAgent', () => {
  it('keeps short output as it is', () => {
    expect(cutForAgent('hello\n')).toEqual({
      text: 'hello\n',
      truncated: false,
      totalBytes: 6,
      shownBytes: 6,
    });
  });

  it('keeps the first and last halves of long output and says how much was cut', () => {
    const text = 'a'.repeat(10_000) + 'b'.repeat(10_000);
    const cut = cutForAgent(text, 1000);
    expect(cut.truncated).toBe(true);
    expect(cut.totalBytes).toBe(20_000);
    expect(cut.shownBytes).toBe(1000);
    expect(cut.text.startsWith('a'.repeat(500))).toBe(true);
    expect(cut.text.endsWith('b'.repeat(500))).toBe(true);
    expect(cut.text).toContain('[… 19000 bytes cut …]');
  });

  it('never splits a UTF-8 character', () => {
    const cut = cutForAgent('é'.repeat(5000), 1001);
    expect(cut.text).not.toContain('\ufffd');
    expect(cut.shownBytes).toBeLessThanOrEqual(1001);
  });

  it('counts output the report itself already cut', () => {
    const cut = cutForAgent('short', AGENT_OUTPUT_LIMIT, 10_000_000);
    expect(cut).toMatchObject({ truncated: true, totalBytes: 10_000_000, shownBytes: 5 });
  });
});

describe('tools by flags', () => {
  it('is read-only by default and lists every tool of the issue with all flags', () => {
    const readOnly = names({});
    expect(readOnly).toEqual(
      expect.arrayContaining([
        'fleet_status',
        'fleet_node_list',
        'fleet_docker_ps',
        'fleet_docker_logs',
        'fleet_network_scan',
        'fleet_job_status',
      ]),
    );
    expect(readOnly).not.toContain('fleet_service_create');
    expect(names({ allowExec: true, allowDestructive: true })).toEqual(readOnly);
    const write = names({ allowWrite: true });
    expect(write).toContain('fleet_service_scale');
    expect(write).not.toContain('fleet_node_exec');
    expect(write).not.toContain('fleet_service_rm');
    expect(names({ allowWrite: true, allowExec: true })).toContain('fleet_node_exec');
    expect(names({ allowWrite: true, allowDestructive: true })).toEqual(
      expect.arrayContaining(['fleet_service_rm', 'fleet_node_drain']),
    );
    const every = names({ allowWrite: true, allowExec: true, allowDestructive: true });
    expect(every.sort()).toEqual(ALL_TOOLS.map((t) => t.name).sort());
    expect(every).toHaveLength(19);
  });

  it('annotations say what the access level says', () => {
    for (const t of ALL_TOOLS) {
      expect(t.annotations.readOnlyHint, t.name).toBe(t.access === 'read');
      if (t.access === 'destructive' || t.access === 'exec')
        expect(t.annotations.destructiveHint, t.name).toBe(true);
      if (t.access === 'read') expect(t.annotations.destructiveHint, t.name).toBe(false);
      expect('background' in t.input, t.name).toBe(Boolean(t.background));
    }
  });
});

describe('audit arguments and errors', () => {
  it('masks service environment values, records compose text by digest, redacts known secrets', () => {
    registerSecret('hunter2-secret');
    try {
      const out = auditArguments({
        env: ['DB_PASSWORD=p4ss', 'MODE'],
        compose: 'services:\n  db:\n    environment: [PW=x]\n',
        command: 'echo hunter2-secret',
      });
      expect(out.env).toEqual(['DB_PASSWORD=…', 'MODE=…']);
      expect(out.compose).toMatchObject({ bytes: 40 });
      expect(JSON.stringify(out)).not.toContain('PW=x');
      expect(out.command).not.toContain('hunter2-secret');
    } finally {
      clearSecrets();
    }
  });

  it('names the argument that confirms instead of the CLI flag', () => {
    const err = new FleetError('quorum', 'draining agx-01 leaves web without replicas', {
      hint: 'use --force to drain anyway',
    });
    expect(errorText(err)).toBe(
      'quorum: draining agx-01 leaves web without replicas\nhint: use the argument force: true to drain anyway',
    );
  });

  it('turns errors inside results into plain JSON', () => {
    const out = jsonSafe({
      hosts: [{ id: 'a', error: new FleetError('connect', 'refused', { hint: 'is sshd up?' }) }],
    });
    expect(out).toEqual({
      hosts: [{ id: 'a', error: { code: 'connect', message: 'refused', hint: 'is sshd up?' } }],
    });
  });
});

describe('--print-config', () => {
  it('names the binary alone, or node with the script', () => {
    const sea = selfLaunch({ execPath: '/usr/local/bin/fleet', script: '/usr/local/bin/fleet', isSea: true });
    expect(JSON.parse(mcpClientConfig(sea, ['-f', '/etc/fleet/nodes.yml']))).toEqual({
      mcpServers: { fleet: { command: '/usr/local/bin/fleet', args: ['mcp', '-f', '/etc/fleet/nodes.yml'] } },
    });
    const npm = selfLaunch({ execPath: '/usr/bin/node', script: '/opt/fleet/bin/fleet.js', isSea: false });
    expect(JSON.parse(mcpClientConfig(npm, [])).mcpServers.fleet.args).toEqual([
      '/opt/fleet/bin/fleet.js',
      'mcp',
    ]);
  });
});
