/**
 * The backup manifest's JSON Schema (draft-07). This constant is the source of truth;
 * schema/backup-manifest.schema.json is the same object written out, and
 * test/unit/backup-manifest.test.ts fails when the two differ.
 */
export const BACKUP_ID_PATTERN = '^[0-9]{8}T[0-9]{6}Z(-[0-9]+)?$';
export const SHA256_PATTERN = '^[0-9a-f]{64}$';

export const manifestSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://fleet.dev/schema/backup-manifest.schema.json',
  title: 'fleet backup manifest',
  description:
    'manifest.json, written last into <store>/<id>/. A backup without it is incomplete. Holds no secrets: the swarm unlock key is its own object, referenced by key.',
  type: 'object',
  additionalProperties: false,
  required: ['format', 'id', 'time', 'fleetVersion', 'clusterId', 'dockerVersion', 'items'],
  properties: {
    format: { const: 1, description: 'Manifest format version.' },
    id: { type: 'string', pattern: BACKUP_ID_PATTERN, description: 'UTC start time, YYYYMMDDTHHMMSSZ.' },
    time: { type: 'string', format: 'date-time', description: 'Start of the backup run (ISO 8601, UTC).' },
    finishedAt: { type: 'string', format: 'date-time' },
    fleetVersion: { type: 'string' },
    clusterId: {
      type: ['string', 'null'],
      description: 'Swarm cluster ID, null when no host was in a swarm.',
    },
    dockerVersion: {
      type: ['string', 'null'],
      description: 'Engine version of the swarm source (or first) host.',
    },
    swarm: {
      type: 'object',
      additionalProperties: false,
      required: ['host', 'nodeId', 'managers', 'autolock'],
      properties: {
        host: { type: 'string', description: 'Manager the swarm state was archived from.' },
        nodeId: { type: 'string' },
        managers: { type: 'integer', minimum: 1, description: 'Managers in the cluster at backup time.' },
        autolock: { type: 'boolean' },
        addr: {
          type: 'string',
          description:
            "The manager's swarm address at backup time. Docker can recover the swarm only onto a host with this address.",
        },
        wasLeader: {
          type: 'boolean',
          description: 'True only with --allow-downtime on a single-manager cluster.',
        },
      },
    },
    items: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['host', 'kind', 'source', 'key', 'size', 'sha256', 'compression'],
        properties: {
          host: { type: 'string' },
          kind: {
            enum: ['swarm', 'path', 'volume', 'unlock-key'],
            description: 'unlock-key: the swarm autolock key, a secret stored as its own object.',
          },
          source: {
            type: 'string',
            description: 'swarm: /var/lib/docker/swarm; path: the absolute path; volume: the volume name.',
          },
          key: { type: 'string', minLength: 1, description: 'Object key relative to the store root.' },
          size: { type: 'integer', minimum: 0 },
          sha256: { type: 'string', pattern: SHA256_PATTERN },
          compression: { enum: ['gzip', 'none'] },
        },
      },
    },
  },
} as const;
