/**
 * fleet_network_scan: SSH hosts in the ranges around the inventory's own addresses (core/cidr.ts
 * rangesAround: the /24 of each address), never a range the agent invents: a `range` argument must
 * lie inside one of them. For each SSH server: whether Docker's swarm ports (2377, 7946) answer,
 * and, for a host not in nodes.yml, a draft inventory entry like `fleet discover` writes.
 */
import { z } from 'zod';
import { isIPv4, rangesAround, rangeWithin } from '../../../core/cidr.js';
import { FleetError } from '../../../core/errors.js';
import { defineTool, type ToolDef } from '../context.js';
import { rows } from './schemas.js';

const SWARM_PORTS = [2377, 7946];

const networkScan = defineTool({
  name: 'fleet_network_scan',
  title: 'Find SSH hosts near the fleet',
  description:
    "Scans the /24 ranges around nodes.yml's own addresses (or a smaller range inside one of them) for SSH servers, logs into each with fleet's SSH settings to read what it is, says whether the swarm ports 2377/7946 answer, and returns a draft nodes.yml entry for each host not yet in the inventory. Changes nothing.",
  access: 'read',
  input: {
    range: z
      .string()
      .optional()
      .describe("CIDR inside the inventory's ranges (default: all of them, e.g. 10.0.0.0/24)"),
  },
  output: {
    ranges: z.array(z.string()),
    scanned: z.number(),
    hosts: rows,
    draft: z.string().describe('nodes.yml entries for the new hosts (commented out when the login failed)'),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async run(args, call) {
    const inventory = await call.inventory();
    const addresses = inventory.nodes.map((n) => n.ip).filter(isIPv4);
    const allowed = rangesAround(addresses);
    if (allowed.length === 0) {
      throw new FleetError('usage', 'nodes.yml has no IPv4 addresses to derive a scan range from');
    }
    if (args.range !== undefined && !rangeWithin(args.range, allowed)) {
      throw new FleetError(
        'usage',
        `range ${args.range} is not inside the inventory's ranges (${allowed.join(', ')})`,
        {
          hint: 'fleet_network_scan only scans around the addresses of nodes.yml',
        },
      );
    }
    const ranges = args.range !== undefined ? [args.range] : allowed;
    const [{ discover }, { probeSsh }, { draftInventory }] = await Promise.all([
      import('../../../ops/discover/run.js'),
      import('../../../ops/discover/scan.js'),
      import('../../../core/inventory-draft.js'),
    ]);
    const known = new Set(addresses);
    const hosts = [];
    const fresh = [];
    let scanned = 0;
    for (const cidr of ranges) {
      if (call.rt.signal.aborted) break;
      call.progress(`scanning ${cidr}`);
      const found = await discover(
        { cidr, ssh: call.sshSettings, identity: call.config.identity, user: inventory.defaults.user },
        call.rt,
      );
      scanned += found.scanned;
      for (const h of found.hosts) {
        const ports = await Promise.all(SWARM_PORTS.map((p) => probeSsh(h.ip, p, 1000)));
        const inInventory = known.has(h.ip);
        hosts.push({
          ...h,
          in_inventory: inInventory,
          swarm_ports: Object.fromEntries(SWARM_PORTS.map((p, i) => [String(p), ports[i]])),
        });
        if (!inInventory) fresh.push(h);
      }
    }
    const draft = fresh.length > 0 ? draftInventory(fresh, '# found by fleet_network_scan') : '';
    return { result: { ranges, scanned, hosts, draft } };
  },
});

export const NETWORK_TOOLS: ToolDef[] = [networkScan];
