/** The validated shape of nodes.yml. Everything here has passed the schema and the semantic checks. */

export type NodeRole = 'manager' | 'worker';

/** Device types fleet knows (labels, scoring); `type` is a free string, these are suggestions. */
export const KNOWN_TYPES = [
  'dgx-spark',
  'jetson-agx-xavier',
  'jetson-agx-orin',
  'raspberry-pi',
  'x86',
] as const;

export interface InventoryNode {
  id: string;
  /** Display name or hostname; defaults to the id in output. */
  name?: string;
  /** IPv4, IPv6 or DNS name fleet connects to (and advertises in the swarm). */
  ip: string;
  type?: string;
  /** Pinned swarm role; unpinned nodes are placed by rank in `fleet up`. */
  role?: NodeRole;
  user?: string;
  port?: number;
  /** Private key file(s), as written (`~` and relative paths are resolved at selection). */
  key?: string[];
  labels: Record<string, string>;
  groups: string[];
  /** 1-based line of the entry in nodes.yml, for messages. */
  line?: number;
}

export interface SwarmNetworkSettings {
  name?: string;
  subnet?: string;
  attachable?: boolean;
}

export interface S3Settings {
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
}

export interface InventoryDefaults {
  user?: string;
  port?: number;
  key?: string[];
  /** Exec knobs, same meaning as the FLEET_* variables (lower precedence than those). */
  maxJobs?: number;
  sshTimeout?: number;
  retryCount?: number;
  retryDelay?: number;
  swarm: { managers?: number; network: SwarmNetworkSettings };
  backup: { target?: string; s3: S3Settings };
}

export interface Inventory {
  /** The path as the user gave it (used in messages). */
  path: string;
  defaults: InventoryDefaults;
  /** In file order; selection output follows this order. */
  nodes: InventoryNode[];
}
