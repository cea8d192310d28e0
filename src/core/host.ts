/** A machine fleet talks to, after inventory, selectors and ~/.ssh/config have been applied. */
export interface HostTarget {
  /** Stable id used everywhere in output and reports (inventory id, or the raw name/address given). */
  id: string;
  /** Address to connect to (IP or DNS name). */
  address: string;
  port: number;
  user: string;
  /** Private key files to try, in order. */
  identityFiles: string[];
  /** Optional jump host (ssh_config ProxyJump), already resolved. */
  proxyJump?: HostTarget;
  /** Inventory extras; undefined for raw hosts. */
  name?: string;
  type?: string;
  role?: 'manager' | 'worker';
  labels?: Record<string, string>;
  groups?: string[];
}

/**
 * Why a host failed, in one vocabulary for every report and summary (exec, up, down, backup):
 * connect (refused, unreachable, or no answer while connecting), auth, hostkey, timeout (a step or
 * command ran past its deadline), exit / signal (a remote command), docker (the host's Engine API
 * failed), quorum (stopped to keep swarm quorum), interrupted (Ctrl-C).
 */
export type FailureKind =
  'connect' | 'auth' | 'hostkey' | 'timeout' | 'exit' | 'signal' | 'docker' | 'quorum' | 'interrupted';

/**
 * The failure kind of an error code (src/core/errors.ts). A connect timeout is already code
 * `connect` (the host is unreachable to the user); `timeout` is a deadline of something that ran.
 * null for codes that are not a host's failure (usage, storage, integrity, internal).
 */
export function failureKind(code: string): FailureKind | null {
  switch (code) {
    case 'connect':
    case 'auth':
    case 'hostkey':
    case 'timeout':
    case 'docker':
    case 'quorum':
    case 'interrupted':
      return code;
    case 'remote-exit':
      return 'exit';
    default:
      return null;
  }
}
