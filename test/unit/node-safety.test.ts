import { describe, expect, it } from 'vitest';
import { nodeChangeSafety, type SafetyNode } from '../../src/core/node-safety.js';

const node = (id: string, role: 'manager' | 'worker', reachable = true): SafetyNode => ({
  id,
  hostname: id,
  role,
  reachable: role === 'manager' ? reachable : undefined,
});
const three = [node('m1', 'manager'), node('m2', 'manager'), node('m3', 'manager'), node('w1', 'worker')];
const five = [...three, node('m4', 'manager'), node('m5', 'manager')];

describe('nodeChangeSafety', () => {
  it('refuses demoting one of 3 managers: 2 left is even and has no margin', () => {
    const s = nodeChangeSafety({ change: 'demote', targets: ['m1'], nodes: three });
    expect(s.ok).toBe(false);
    expect(s.reasons[0]).toMatch(/3 → 2 managers \(2 managers: quorum 2, tolerates 0 failures\)/);
    expect(s.reasons[0]).toMatch(/no margin left/);
  });

  it('allows demoting two of 5 managers (3 left, tolerates 1)', () => {
    expect(nodeChangeSafety({ change: 'demote', targets: ['m4', 'm5'], nodes: five })).toEqual({
      ok: true,
      reasons: [],
    });
  });

  it('refuses an even count that keeps a margin (5 → 4)', () => {
    const s = nodeChangeSafety({ change: 'demote', targets: ['m5'], nodes: five });
    expect(s.ok).toBe(false);
    expect(s.reasons[0]).toMatch(/even count tolerates 1 failure, no more than 3/);
  });

  it('counts unreachable managers: 5 → 3 with one of the 3 down has no margin', () => {
    const nodes = [...five.slice(0, 2), node('m3', 'manager', false), ...five.slice(3)];
    const s = nodeChangeSafety({ change: 'rm', targets: ['m4', 'm5'], nodes });
    expect(s.ok).toBe(false);
    expect(s.reasons[0]).toMatch(/2 of them reachable/);
  });

  it('refuses draining or removing the last manager, allows workers', () => {
    const one = [node('m1', 'manager'), node('w1', 'worker')];
    expect(nodeChangeSafety({ change: 'drain', targets: ['m1'], nodes: one }).reasons[0]).toMatch(
      /without a manager/,
    );
    expect(nodeChangeSafety({ change: 'rm', targets: ['m1'], nodes: one }).ok).toBe(false);
    expect(nodeChangeSafety({ change: 'drain', targets: ['m1'], nodes: three }).ok).toBe(true);
    expect(nodeChangeSafety({ change: 'drain', targets: ['w1'], nodes: one }).ok).toBe(true);
  });

  it('refuses removing the node with the only running replica of a service', () => {
    const input = {
      change: 'rm' as const,
      targets: ['w1'],
      nodes: three,
      services: [
        { id: 's1', name: 'db' },
        { id: 's2', name: 'web' },
      ],
      tasks: [
        { serviceId: 's1', nodeId: 'w1', running: true },
        { serviceId: 's2', nodeId: 'w1', running: true },
        { serviceId: 's2', nodeId: 'm1', running: true },
        { serviceId: 's1', nodeId: 'm2', running: false },
      ],
    };
    const s = nodeChangeSafety(input);
    expect(s.reasons).toEqual(['service db runs only on w1 (1 task): removing it stops the service']);
  });
});
