/**
 * nodes.yml: parse, validate against the schema plus fleet's own checks, and build the Inventory.
 * Pure: takes the file text and the path to show in messages; reading the file is the caller's job
 * (src/runtime/targets.ts).
 */
import type { ValidateFunction } from 'ajv';
import { validate as compiledValidator } from './generated/nodes-validate.js';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { FleetError } from './errors.js';
import {
  findBadAddresses,
  findCredentialKeys,
  findDuplicates,
  issueFromAjv,
  type RawIssue,
} from './inventory-issues.js';
import type { Inventory, InventoryDefaults, InventoryNode, NodeRole } from './inventory-model.js';
import { findTooDeep, isAliasBomb, MAX_ALIAS_COUNT, MAX_NESTING } from './inventory-limits.js';
import { offsetPos, positionOf, type PathSegment } from './inventory-positions.js';

export type { Inventory, InventoryDefaults, InventoryNode, NodeRole } from './inventory-model.js';

export interface InventoryIssue {
  file: string;
  line: number;
  column: number;
  /** `nodes[2].port: must be an integer 1-65535 (got "22x")` */
  message: string;
  hint?: string;
}

export function formatIssue(issue: InventoryIssue): string {
  return `${issue.file}:${issue.line}:${issue.column}: ${issue.message}`;
}

const MAX_LISTED = 20;
const YAML_HINT = 'check the indentation and the "key: value" syntax around that line';
const LIMIT_HINT = 'write the nodes out plainly; see nodes.example.yml for the structure fleet reads';
const SCHEMA_HINT = 'see nodes.example.yml; editors check the file with schema/nodes.schema.json';

/** A nodes.yml that failed validation; the message lists every issue, one per line. */
export class InventoryError extends FleetError {
  readonly issues: InventoryIssue[];

  constructor(issues: InventoryIssue[]) {
    const lines = issues.slice(0, MAX_LISTED).map(formatIssue);
    if (issues.length > MAX_LISTED) lines.push(`… and ${issues.length - MAX_LISTED} more`);
    const hints = new Set(issues.map((i) => i.hint).filter((h): h is string => Boolean(h)));
    const hint =
      issues.length === 1 && issues[0]?.hint
        ? issues[0].hint
        : hints.size === 1
          ? [...hints][0]
          : SCHEMA_HINT;
    super('inventory', lines.join('\n'), { hint });
    this.name = 'InventoryError';
    this.issues = issues;
  }
}

// Compiled ahead of time (scripts/gen-nodes-validator.mts): compiling the schema here cost every
// command that reads nodes.yml ~100-150 ms of CPU before its first connection.
const validator = compiledValidator as unknown as ValidateFunction;

function validate(data: unknown): ValidateFunction['errors'] {
  return validator(data) ? [] : (validator.errors ?? []);
}

export interface InventoryCheck {
  inventory?: Inventory;
  issues: InventoryIssue[];
}

/** Validates nodes.yml text; `file` is the name used in messages. Never throws for bad input. */
export function checkInventory(text: string, file: string): InventoryCheck {
  const deep = findTooDeep(text);
  if (deep) {
    const pos = offsetPos(deep.lineCounter, deep.offset);
    const message = `YAML: nested deeper than ${MAX_NESTING} levels (nodes.yml needs 4)`;
    return { issues: [{ file, line: pos.line, column: pos.column, message, hint: LIMIT_HINT }] };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => {
      const pos = offsetPos(lineCounter, e.pos[0]);
      let message = e.message.replace(/\s+at line \d+, column \d+[\s\S]*$/, '');
      if (e.code === 'DUPLICATE_KEY') {
        const key = /^[^:\s]+/.exec(text.slice(e.pos[0]))?.[0];
        message = `duplicate key${key ? ` "${key}"` : ''} in the same mapping`;
      }
      return { file, line: pos.line, column: pos.column, message: `YAML: ${message}`, hint: YAML_HINT };
    });
    return { issues };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (!isAliasBomb(err)) throw err;
    const first = text.search(/(?<=^|[\s,[{:-])\*[^\s,\]}]/m);
    const pos = offsetPos(lineCounter, Math.max(0, first));
    const message = `YAML: aliases (*name) expand to too many nodes (more than ${MAX_ALIAS_COUNT} per alias)`;
    return { issues: [{ file, line: pos.line, column: pos.column, message, hint: LIMIT_HINT }] };
  }
  if (data === null || data === undefined) {
    return {
      issues: [
        {
          file,
          line: 1,
          column: 1,
          message: 'the file is empty; expected a "nodes:" list',
          hint: SCHEMA_HINT,
        },
      ],
    };
  }
  const issues = collectIssues(doc, lineCounter, data).map((raw) => {
    const pos = positionOf(doc, lineCounter, raw.path, raw.atKey);
    return { file, line: pos.line, column: pos.column, message: raw.message, hint: raw.hint };
  });
  issues.sort((a, b) => a.line - b.line || a.column - b.column);
  if (issues.length > 0) return { issues };
  return { inventory: buildInventory(data as RawFile, doc, lineCounter, file), issues };
}

function collectIssues(doc: Document, lineCounter: LineCounter, data: unknown): RawIssue[] {
  const nodes = (data as { nodes?: unknown }).nodes;
  const lineOf = (path: PathSegment[]) => positionOf(doc, lineCounter, path).line;
  const all: RawIssue[] = [
    ...findCredentialKeys(data),
    ...findDuplicates(nodes, lineOf),
    ...(validate(data) ?? []).map(issueFromAjv).filter((i): i is RawIssue => i !== undefined),
    ...findBadAddresses(nodes),
  ];
  // One message per place: the first check that spoke about a path wins.
  const seen = new Set<string>();
  return all.filter((issue) => {
    const key = JSON.stringify(issue.path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Parses and validates nodes.yml text; throws InventoryError listing every issue. */
export function parseInventory(text: string, file: string): Inventory {
  const { inventory, issues } = checkInventory(text, file);
  if (!inventory) throw new InventoryError(issues);
  return inventory;
}

interface RawNode {
  id: string;
  name?: string;
  ip: string;
  type?: string;
  role?: NodeRole | 'control-plane';
  user?: string;
  port?: number;
  key?: string | string[];
  labels?: Record<string, string | number | boolean>;
  groups?: string[];
}

interface RawFile {
  defaults?: Omit<InventoryDefaults, 'key' | 'swarm' | 'backup'> & {
    key?: string | string[];
    swarm?: { managers?: number; network?: InventoryDefaults['swarm']['network'] };
    backup?: { target?: string; s3?: InventoryDefaults['backup']['s3'] };
  };
  nodes: RawNode[];
}

function keyList(key: string | string[] | undefined): string[] | undefined {
  if (key === undefined) return undefined;
  return Array.isArray(key) ? key : [key];
}

function buildInventory(raw: RawFile, doc: Document, lineCounter: LineCounter, file: string): Inventory {
  const d = raw.defaults ?? {};
  const defaults: InventoryDefaults = {
    user: d.user,
    port: d.port,
    key: keyList(d.key),
    maxJobs: d.maxJobs,
    sshTimeout: d.sshTimeout,
    retryCount: d.retryCount,
    retryDelay: d.retryDelay,
    swarm: { managers: d.swarm?.managers, network: { ...d.swarm?.network } },
    backup: { target: d.backup?.target, s3: { ...d.backup?.s3 } },
  };
  const nodes = raw.nodes.map((n, i): InventoryNode => {
    const node: InventoryNode = {
      id: n.id,
      ip: n.ip,
      labels: Object.fromEntries(Object.entries(n.labels ?? {}).map(([k, v]) => [k, String(v)])),
      groups: [...(n.groups ?? [])],
      line: positionOf(doc, lineCounter, ['nodes', i]).line,
    };
    if (n.name !== undefined) node.name = n.name;
    if (n.type !== undefined) node.type = n.type;
    // The Fleet Commander plan's inventory says control-plane for a pinned manager; read it as written.
    if (n.role !== undefined) node.role = n.role === 'control-plane' ? 'manager' : n.role;
    if (n.user !== undefined) node.user = n.user;
    if (n.port !== undefined) node.port = n.port;
    if (n.key !== undefined) node.key = keyList(n.key);
    return node;
  });
  return { path: file, defaults, nodes };
}
