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

export type FailureKind = 'connect' | 'auth' | 'hostkey' | 'timeout' | 'exit' | 'signal' | 'interrupted';
