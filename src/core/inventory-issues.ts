/**
 * Turns ajv errors and fleet's own checks (unique ids and addresses, exact address syntax, no
 * credentials) into one-line issues that name the field, what was expected and what was found.
 */
import { isIP } from 'node:net';
import type { ErrorObject } from 'ajv';
import { CREDENTIAL_HINT, CREDENTIAL_KEY, PATTERN_MESSAGES } from './inventory-schema.js';
import { suggestKey } from './inventory-suggest.js';
import { formatPath, pointerToPath, type PathSegment } from './inventory-positions.js';

export interface RawIssue {
  path: PathSegment[];
  /** Point at the key instead of the value (unknown or forbidden keys). */
  atKey?: boolean;
  message: string;
  hint?: string;
}

/** What a value is, for "(got …)". */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    const text = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return JSON.stringify(text);
  }
  return String(value);
}

const TYPE_WORDS: Record<string, string> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  array: 'a list',
  null: 'empty',
};

type SchemaNode = Record<string, unknown>;

function typeExpectation(schema: SchemaNode): string {
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : [String(schema.type)];
  let words = types.map((t) => TYPE_WORDS[t] ?? t).join(' or ');
  const min = schema.minimum ?? schema.exclusiveMinimum;
  const max = schema.maximum;
  if (typeof min === 'number' && typeof max === 'number') words += ` ${min}-${max}`;
  else if (typeof schema.exclusiveMinimum === 'number') words += ` > ${schema.exclusiveMinimum}`;
  else if (typeof min === 'number') words += ` >= ${min}`;
  else if (typeof max === 'number') words += ` <= ${max}`;
  return words;
}

function isCredentialKey(seg: PathSegment | undefined): boolean {
  return typeof seg === 'string' && CREDENTIAL_KEY.test(seg);
}

/** One issue per ajv error, or undefined when another check reports the same thing better. */
export function issueFromAjv(error: ErrorObject): RawIssue | undefined {
  const path = pointerToPath(error.instancePath);
  const parent = (error.parentSchema ?? {}) as SchemaNode;
  const got = describeValue(error.data);
  const where = formatPath(path);
  switch (error.keyword) {
    case 'required': {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      // The path names the missing field (one issue each); its position falls back to the mapping.
      return { path: [...path, missing], message: `${where}: missing required field "${missing}"` };
    }
    case 'additionalProperties': {
      const key = (error.params as { additionalProperty: string }).additionalProperty;
      const keyPath = [...path, key];
      if (isCredentialKey(key)) return undefined; // reported by findCredentialKeys
      const allowed = Object.keys((parent.properties ?? {}) as SchemaNode).filter(
        (k) => !CREDENTIAL_KEY.test(k),
      );
      const suggestion = suggestKey(key, allowed);
      const meant = suggestion ? ` (did you mean "${suggestion}"?)` : '';
      return {
        path: keyPath,
        atKey: true,
        message: `${formatPath(keyPath)}: unknown field${meant}`,
        hint: `allowed here: ${allowed.join(', ')}`,
      };
    }
    case 'not':
      return isCredentialKey(path[path.length - 1])
        ? undefined
        : { path, message: `${where}: not allowed here` };
    case 'type':
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
      return { path, message: `${where}: must be ${typeExpectation(parent)} (got ${got})` };
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map(String);
      return { path, message: `${where}: must be one of ${allowed.join(', ')} (got ${got})` };
    }
    case 'pattern': {
      // A failing property name shows up twice; the propertyNames error carries the key.
      if ((error as { propertyName?: string }).propertyName !== undefined) return undefined;
      const pattern = (error.params as { pattern: string }).pattern;
      const words = PATTERN_MESSAGES[pattern] ?? `must match ${pattern}`;
      return { path, message: `${where}: ${words} (got ${got})` };
    }
    case 'propertyNames': {
      const key = (error.params as { propertyName: string }).propertyName;
      const keyPath = [...path, key];
      if (isCredentialKey(key)) return undefined;
      const pattern = String((parent.propertyNames as SchemaNode | undefined)?.pattern ?? '');
      const words = PATTERN_MESSAGES[pattern] ?? 'is not a valid key';
      return { path: keyPath, atKey: true, message: `${where}: key ${JSON.stringify(key)} ${words}` };
    }
    case 'minLength':
      return { path, message: `${where}: must not be empty` };
    case 'minItems': {
      const limit = (error.params as { limit: number }).limit;
      return {
        path,
        message: `${where}: must list at least ${limit} item${limit === 1 ? '' : 's'} (got ${got === 'a list' ? 'none' : got})`,
      };
    }
    case 'uniqueItems': {
      const { i } = error.params as { i: number };
      const list = Array.isArray(error.data) ? error.data : [];
      return { path: [...path, i], message: `${where}: ${describeValue(list[i])} is listed twice` };
    }
    default:
      return { path, message: `${where}: ${error.message ?? 'is invalid'}` };
  }
}

/** Every key anywhere that looks like a secret. Labels too: Docker node labels are readable by anyone. */
export function findCredentialKeys(value: unknown, path: PathSegment[] = []): RawIssue[] {
  const out: RawIssue[] = [];
  if (Array.isArray(value)) {
    value.forEach((v, i) => out.push(...findCredentialKeys(v, [...path, i])));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const keyPath = [...path, k];
      if (CREDENTIAL_KEY.test(k)) {
        out.push({
          path: keyPath,
          atKey: true,
          message: `${formatPath(keyPath)}: credentials are not allowed in nodes.yml; remove this key`,
          hint: CREDENTIAL_HINT,
        });
      } else {
        out.push(...findCredentialKeys(v, keyPath));
      }
    }
  }
  return out;
}

const DNS_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** IPv4, IPv6 or an RFC 1123 host name (dotted numbers that are not a valid IPv4 are refused). */
export function isAddress(text: string): boolean {
  if (isIP(text) !== 0) return true;
  if (text.length > 253 || /^[\d.]+$/.test(text)) return false;
  return text
    .replace(/\.$/, '')
    .split('.')
    .every((label) => DNS_LABEL.test(label));
}

interface NodeLike {
  id?: unknown;
  ip?: unknown;
}

/** Duplicate ids and addresses; `lineOf` gives the line of a path so both places are named. */
export function findDuplicates(nodes: unknown, lineOf: (path: PathSegment[]) => number): RawIssue[] {
  if (!Array.isArray(nodes)) return [];
  const out: RawIssue[] = [];
  const seen: Record<'id' | 'ip', Map<string, number>> = { id: new Map(), ip: new Map() };
  nodes.forEach((node: NodeLike, i) => {
    if (!node || typeof node !== 'object') return;
    for (const field of ['id', 'ip'] as const) {
      const value = node[field];
      if (typeof value !== 'string') continue;
      const norm = field === 'ip' ? value.toLowerCase().replace(/\.$/, '') : value;
      const first = seen[field].get(norm);
      if (first === undefined) {
        seen[field].set(norm, i);
        continue;
      }
      const firstLine = lineOf(['nodes', first, field]);
      const what = field === 'id' ? 'id' : 'address';
      out.push({
        path: ['nodes', i, field],
        message: `${formatPath(['nodes', i, field])}: duplicate ${what} ${JSON.stringify(value)} (also nodes[${first}] at line ${firstLine})`,
        hint: `every node needs its own ${what}`,
      });
    }
  });
  return out;
}

/** Exact address syntax, beyond the schema's coarse pattern. */
export function findBadAddresses(nodes: unknown): RawIssue[] {
  if (!Array.isArray(nodes)) return [];
  const out: RawIssue[] = [];
  nodes.forEach((node: NodeLike, i) => {
    const ip = node && typeof node === 'object' ? node.ip : undefined;
    if (typeof ip !== 'string' || ip === '' || isAddress(ip)) return;
    const path = ['nodes', i, 'ip'];
    out.push({
      path,
      message: `${formatPath(path)}: must be an IPv4/IPv6 address or a DNS name (got ${describeValue(ip)})`,
    });
  });
  return out;
}
