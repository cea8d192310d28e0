/**
 * Limits on nodes.yml structure, checked before the YAML is composed into a document: the composer
 * and everything after it (toJS, the schema check, the position lookups) recurse once per nesting
 * level, so a 3,000-level file would overflow the stack, and aliases can expand a 1 KB file into
 * billions of nodes ("billion laughs"). Both are input errors, never a crash.
 */
import { LineCounter, Parser, type CST } from 'yaml';

/**
 * nodes.yml itself needs 4 levels (nodes → list → node → labels; defaults → backup → s3). 64 leaves
 * room for anything a person writes while staying far below the depth where recursion fails.
 */
export const MAX_NESTING = 64;

/**
 * Passed to yaml's toJS: how many nodes one alias may expand to, relative to its anchor. A nodes.yml
 * that reuses a labels map or a key list on every node stays far below it; an alias bomb hits it on
 * its first levels.
 */
export const MAX_ALIAS_COUNT = 1000;

export interface NestingIssue {
  /** 0-based offset of the first collection deeper than MAX_NESTING. */
  offset: number;
  lineCounter: LineCounter;
}

/** The first collection nested deeper than MAX_NESTING, or undefined. Iterative: no recursion. */
export function findTooDeep(text: string): NestingIssue | undefined {
  const lineCounter = new LineCounter();
  // yaml's CST parser keeps its own explicit stack, so it survives any depth; only composing recurses.
  for (const doc of new Parser(lineCounter.addNewLine).parse(text)) {
    const stack: [CST.Token | undefined, number][] = [[doc, 0]];
    while (stack.length > 0) {
      const [token, depth] = stack.pop()!;
      if (!token) continue;
      const collection =
        token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection';
      const level = collection ? depth + 1 : depth;
      if (level > MAX_NESTING) return { offset: token.offset, lineCounter };
      if ('value' in token && token.value && typeof token.value === 'object')
        stack.push([token.value, level]);
      if ('items' in token)
        for (const item of token.items) {
          if ('key' in item && item.key) stack.push([item.key, level]);
          if ('value' in item && item.value) stack.push([item.value, level]);
        }
    }
  }
  return undefined;
}

/** yaml's own message for an alias bomb; matched so it becomes an input error, not a crash. */
export function isAliasBomb(err: unknown): boolean {
  return err instanceof Error && /alias count/i.test(err.message);
}
