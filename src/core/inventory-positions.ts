/**
 * Maps a data path (`['nodes', 2, 'port']`) to the line and column where it is written in the YAML
 * source, so every inventory message can start with `nodes.yml:7:5:`.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export type PathSegment = string | number;

export interface SourcePos {
  line: number;
  column: number;
}

/** ajv's JSON pointer (`/nodes/2/port`) as path segments; digits become indices. */
export function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** `nodes[2].port`, `nodes[0].labels["gpu.model"]`; "(top level)" for the root. */
export function formatPath(path: PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out || '(top level)';
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

interface Located {
  /** The value node at the path, or the deepest node reached when the path is not written literally. */
  node?: Node;
  /** The key node of the last path segment when it is a mapping key written in the file. */
  keyNode?: Node;
  /** True when the whole path was found. */
  complete: boolean;
}

export function locate(doc: Document, path: PathSegment[]): Located {
  let current: unknown = doc.contents;
  let keyNode: Node | undefined;
  for (const seg of path) {
    if (isAlias(current)) current = current.resolve(doc);
    if (isMap(current)) {
      const pair = current.items.find((p) => keyText(p.key) === String(seg));
      // Not written here (inherited through a `<<` merge key, say): point at the mapping.
      if (!pair) return { node: current as Node, complete: false };
      keyNode = pair.key as Node;
      current = pair.value ?? undefined;
      if (current === undefined) return { node: keyNode, keyNode, complete: true };
    } else if (isSeq(current) && typeof seg === 'number' && seg < current.items.length) {
      keyNode = undefined;
      current = current.items[seg];
    } else {
      return { node: (current as Node | undefined) ?? undefined, complete: false };
    }
  }
  return { node: current as Node | undefined, keyNode, complete: true };
}

export function offsetPos(lineCounter: LineCounter, offset: number): SourcePos {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

/**
 * Where to point for `path`: its key (`atKey`, for unknown or forbidden keys) or its value. Falls back
 * to the nearest enclosing node, then to the start of the file.
 */
export function positionOf(
  doc: Document,
  lineCounter: LineCounter,
  path: PathSegment[],
  atKey = false,
): SourcePos {
  const found = locate(doc, path);
  const target = atKey && found.keyNode ? found.keyNode : (found.node ?? found.keyNode);
  const start = target?.range?.[0];
  return start === undefined ? { line: 1, column: 1 } : offsetPos(lineCounter, start);
}
