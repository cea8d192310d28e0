/**
 * The nodes.yml JSON Schema (draft-07: what ajv and yaml-language-server both handle best). This
 * constant is the source of truth; schema/nodes.schema.json is the same object written out for editors,
 * and test/unit/inventory-schema.test.ts fails when the two differ.
 */
import { KNOWN_TYPES } from './inventory-model.js';

export const PATTERNS = {
  id: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
  user: '^[A-Za-z_][A-Za-z0-9._-]*[$]?$',
  // Coarse on purpose (editors); the exact IPv4/IPv6/DNS check runs in code with a precise message.
  address: '^[^\\s,@/\\[\\]]+$',
  labelKey: '^[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?$',
  cidr4:
    '^((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])/([0-9]|[12][0-9]|3[0-2])$',
  url: '^https?://[^\\s]+$',
} as const;

/** What a failed pattern means, in words, keyed by the pattern itself. */
export const PATTERN_MESSAGES: Record<string, string> = {
  [PATTERNS.id]: "must start with a letter or digit and use only letters, digits, '.', '_' and '-'",
  [PATTERNS.user]: 'must be a valid user name',
  [PATTERNS.address]: 'must be an IPv4/IPv6 address or a DNS name',
  [PATTERNS.labelKey]:
    "must use only letters, digits, '.', '_', '-' and '/', starting and ending with a letter or digit",
  [PATTERNS.cidr4]: 'must be an IPv4 subnet in CIDR form like 10.10.0.0/16',
  [PATTERNS.url]: 'must be an http:// or https:// URL',
};

export const CREDENTIAL_HINT =
  'credentials never go in nodes.yml: S3 keys come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or an AWS profile, SSH passwords from FLEET_SSH_PASSWORD or a prompt';

/** Keys that look like a secret; rejected anywhere in the file (also as label keys: labels are public). */
export const CREDENTIAL_KEY = /(secret|passw(or)?d|passphrase|token|credential|access_?key)/i;

const forbiddenCredentials = Object.fromEntries(
  ['password', 'passphrase', 'secret', 'secretAccessKey', 'accessKeyId', 'sessionToken', 'token'].map((k) => [
    k,
    { not: {}, description: `Not allowed: ${CREDENTIAL_HINT}.` },
  ]),
);

const port = { type: 'integer', minimum: 1, maximum: 65535, description: 'SSH port (default 22).' };
const user = {
  type: 'string',
  pattern: PATTERNS.user,
  description: 'SSH user (default: ~/.ssh/config, then the local user).',
};
const key = {
  type: ['string', 'array'],
  minLength: 1,
  items: { type: 'string', minLength: 1 },
  minItems: 1,
  description:
    'Private key file(s) to try, in order. `~` is your home; relative paths are relative to nodes.yml. Without one: ssh-agent and ~/.ssh/config.',
};
const seconds = (what: string) => ({ type: 'number', exclusiveMinimum: 0, description: what });

export const NODES_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://github.com/fleet/fleet/schema/nodes.schema.json',
  title: 'fleet nodes.yml',
  description: 'The machines fleet manages and cluster-wide settings. See nodes.example.yml.',
  type: 'object',
  required: ['nodes'],
  additionalProperties: false,
  // Like docker-compose: `x-…` keys hold YAML anchors to reuse (`<<: *jetson`) and are ignored.
  patternProperties: { '^x-': {} },
  properties: {
    defaults: {
      type: 'object',
      description:
        'Settings for every node unless the node sets its own. Flags and FLEET_* variables win over these.',
      additionalProperties: false,
      properties: {
        user,
        port,
        key,
        maxJobs: {
          type: 'integer',
          minimum: 1,
          description: 'Hosts worked on at once (like FLEET_MAX_JOBS, default 32).',
        },
        sshTimeout: seconds('SSH connect timeout in seconds (like FLEET_SSH_TIMEOUT, default 10).'),
        retryCount: {
          type: 'integer',
          minimum: 0,
          description: 'Connection retries (like FLEET_RETRY_COUNT, default 2). Commands are never re-run.',
        },
        retryDelay: {
          type: 'number',
          minimum: 0,
          description: 'Seconds before the first retry, doubling (like FLEET_RETRY_DELAY, default 1).',
        },
        swarm: {
          type: 'object',
          additionalProperties: false,
          description: 'Docker Swarm settings used by `fleet up`.',
          properties: {
            managers: {
              type: 'integer',
              minimum: 1,
              description:
                'Manager count; default by cluster size (1, 3, 5 or 7). Even counts need --allow-even-managers.',
            },
            network: {
              type: 'object',
              additionalProperties: false,
              description: 'The overlay network `fleet up` creates (or checks).',
              properties: {
                name: { type: 'string', pattern: PATTERNS.id, description: 'Default fleet-network.' },
                subnet: { type: 'string', pattern: PATTERNS.cidr4, description: 'Default 10.10.0.0/16.' },
                attachable: {
                  type: 'boolean',
                  description: 'Default true: standalone containers may attach.',
                },
              },
            },
          },
        },
        backup: {
          type: 'object',
          additionalProperties: false,
          description: 'Where `fleet backup` writes. Credentials are never stored here.',
          properties: {
            target: {
              type: 'string',
              minLength: 1,
              examples: ['./backups', 's3://fleet-backups/swarm'],
              description: 'A local directory (default ./backups) or s3://bucket/prefix.',
            },
            s3: {
              type: 'object',
              additionalProperties: false,
              properties: {
                endpoint: {
                  type: 'string',
                  pattern: PATTERNS.url,
                  examples: ['http://spark:9000'],
                  description: 'S3-compatible endpoint (MinIO).',
                },
                region: { type: 'string', minLength: 1, description: 'Default us-east-1.' },
                forcePathStyle: { type: 'boolean', description: 'Path-style URLs (needed by MinIO).' },
                ...forbiddenCredentials,
              },
            },
            ...forbiddenCredentials,
          },
        },
        ...forbiddenCredentials,
      },
    },
    nodes: {
      type: 'array',
      minItems: 1,
      description: 'One entry per machine, in the order fleet lists them.',
      items: {
        type: 'object',
        required: ['id', 'ip'],
        additionalProperties: false,
        properties: {
          id: {
            type: 'string',
            pattern: PATTERNS.id,
            description: 'Unique id used in -n, output and reports.',
          },
          name: {
            type: 'string',
            minLength: 1,
            description: 'Display name or hostname (optional; -n matches it too).',
          },
          ip: {
            type: 'string',
            pattern: PATTERNS.address,
            description: 'Unique IPv4/IPv6 address or DNS name to connect to.',
          },
          type: {
            type: 'string',
            pattern: PATTERNS.id,
            examples: [...KNOWN_TYPES],
            description:
              'Device type, selectable as @type: dgx-spark, jetson-agx-xavier, raspberry-pi, x86, …',
          },
          role: {
            enum: ['manager', 'worker', 'control-plane'],
            description:
              'Pin the swarm role; unpinned nodes are placed by rank. control-plane (the Fleet Commander plan) means manager.',
          },
          user,
          port,
          key,
          labels: {
            type: 'object',
            description: 'Docker node labels (set by `fleet up`). Values are strings.',
            propertyNames: { pattern: PATTERNS.labelKey },
            additionalProperties: { type: ['string', 'number', 'boolean'] },
          },
          groups: {
            type: 'array',
            uniqueItems: true,
            items: { type: 'string', pattern: PATTERNS.id },
            description: 'Groups, selectable as @group (e.g. gpu).',
          },
          ...forbiddenCredentials,
        },
      },
    },
  },
} as const;
