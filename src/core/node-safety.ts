/**
 * Whether a node change keeps the swarm safe (pure: the caller reads nodes, services and tasks).
 * Refused unless --force, with the quorum math in the reason:
 * - demoting or removing managers when what is left has no fault tolerance (margin 0) or an even count;
 * - draining or removing the last manager(s);
 * - removing a node that runs the only running replica of a service.
 */
import { describeQuorum, faultTolerance, quorumSize } from './quorum.js';

export type NodeChange = 'demote' | 'rm' | 'drain';

export interface SafetyNode {
  id: string;
  hostname: string;
  role: 'manager' | 'worker';
  /** Manager reachability (managers only). */
  reachable?: boolean;
}

export interface SafetyService {
  id: string;
  name: string;
}

export interface SafetyTask {
  serviceId: string;
  nodeId: string;
  /** Only tasks running (state) that the swarm wants running count. */
  running: boolean;
}

export interface SafetyInput {
  change: NodeChange;
  targets: string[];
  nodes: SafetyNode[];
  services?: SafetyService[];
  tasks?: SafetyTask[];
}

export interface Safety {
  ok: boolean;
  /** One sentence per reason, quorum math included. */
  reasons: string[];
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function managerReasons(input: SafetyInput, verb: string): string[] {
  const targets = new Set(input.targets);
  const managers = input.nodes.filter((n) => n.role === 'manager');
  const leaving = managers.filter((n) => targets.has(n.id));
  if (leaving.length === 0) return [];
  const names = leaving.map((n) => n.hostname).join(', ');
  const after = managers.length - leaving.length;
  if (after === 0) {
    return [
      `${verb} ${names} leaves the swarm without a manager (${plural(managers.length, 'manager')} today): ` +
        'nothing could then schedule tasks or accept changes',
    ];
  }
  if (input.change === 'drain') return [];
  const reachableAfter = managers.filter((n) => !targets.has(n.id) && n.reachable !== false).length;
  const margin = reachableAfter - quorumSize(after);
  const before = `${managers.length} → ${after} managers (${describeQuorum(after)})`;
  const reasons: string[] = [];
  if (margin <= 0) {
    reasons.push(
      `${verb} ${names}: ${before}, ${reachableAfter} of them reachable: ` +
        (margin < 0 ? 'quorum would be lost' : 'no margin left, one more failure loses quorum'),
    );
  } else if (after % 2 === 0) {
    reasons.push(
      `${verb} ${names}: ${before}: an even count tolerates ${plural(faultTolerance(after), 'failure')}, ` +
        `no more than ${after - 1}`,
    );
  }
  return reasons;
}

/** Services whose every running task is on the target nodes. */
function onlyReplicaReasons(input: SafetyInput): string[] {
  const targets = new Set(input.targets);
  const names = new Map(input.nodes.map((n) => [n.id, n.hostname]));
  const reasons: string[] = [];
  for (const svc of input.services ?? []) {
    const running = (input.tasks ?? []).filter((t) => t.serviceId === svc.id && t.running);
    if (running.length === 0 || running.some((t) => !targets.has(t.nodeId))) continue;
    const where = [...new Set(running.map((t) => names.get(t.nodeId) ?? t.nodeId))].join(', ');
    reasons.push(
      `service ${svc.name} runs only on ${where} (${plural(running.length, 'task')}): removing it stops the service`,
    );
  }
  return reasons;
}

export function nodeChangeSafety(input: SafetyInput): Safety {
  const verb = { demote: 'demoting', rm: 'removing', drain: 'draining' }[input.change];
  const reasons = [...managerReasons(input, verb)];
  if (input.change === 'rm') reasons.push(...onlyReplicaReasons(input));
  return { ok: reasons.length === 0, reasons };
}
