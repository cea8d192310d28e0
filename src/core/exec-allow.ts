/**
 * The allow-list of `fleet mcp --exec-allow`: which commands an agent may run on hosts. A command is
 * matched after parsing it the way sh would split it, not as a raw string: a command that uses a shell
 * metacharacter (a separator `;` `&` `|`, a redirection `<` `>`, a subshell `(` `)`, a command
 * substitution `$(` or a backquote, a newline) matches only a pattern that spells the same
 * metacharacters out, so `nvidia-smi; rm -rf /` never matches `nvidia-smi*`. Pure.
 */

export interface ParsedCommand {
  /** The words as sh would see them (quotes removed), for matching. */
  words: string[];
  /** Each shell metacharacter found where sh would act on it (outside single quotes). */
  metachars: string[];
  /** A quote was left open: sh would refuse or read on; never allowed. */
  unterminated: boolean;
}

const OPERATORS = [';', '&', '|', '<', '>', '(', ')', '\n', '\r'];

/** Splits like sh: words on blanks, '…' literal, "…" literal except $( and `, \ escapes one char. */
export function parseShellCommand(command: string): ParsedCommand {
  const words: string[] = [];
  const metachars = new Set<string>();
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
      continue;
    }
    if (c === '\\' && i + 1 < command.length) {
      // A backslash-newline is a line continuation: still a newline to the reader of the command.
      if (command[i + 1] === '\n') metachars.add('\n');
      word += command[++i];
      inWord = true;
      continue;
    }
    if (c === '`' || (c === '$' && command[i + 1] === '(')) {
      metachars.add(c === '`' ? '`' : '$(');
      word += c;
      inWord = true;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = undefined;
      else word += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
      continue;
    }
    if (OPERATORS.includes(c)) {
      metachars.add(c === '\r' ? '\n' : c);
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    if (c === ' ' || c === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    word += c;
    inWord = true;
  }
  if (inWord) words.push(word);
  return { words, metachars: [...metachars], unterminated: quote !== undefined };
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (const c of glob) {
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

export type AllowDecision = { allowed: true; pattern?: string } | { allowed: false; reason: string };

/**
 * Whether `command` may run. No patterns: everything (the server was started without a list).
 * A pattern matches the command's words joined by single spaces (`docker  ps -a` → `docker ps -a`),
 * with `*` and `?` as in sh globs; a command with metacharacters matches only a pattern containing
 * each of them, and is then compared as written.
 */
export function checkAllowList(command: string, patterns: readonly string[]): AllowDecision {
  if (patterns.length === 0) return { allowed: true };
  const parsed = parseShellCommand(command);
  if (parsed.unterminated) return { allowed: false, reason: 'the command has an unterminated quote' };
  if (parsed.words.length === 0) return { allowed: false, reason: 'the command is empty' };
  const normalized = parsed.words.join(' ');
  for (const pattern of patterns) {
    const spelled = parsed.metachars.every((m) => pattern.includes(m));
    if (!spelled) continue;
    const subject = parsed.metachars.length > 0 ? command.trim() : normalized;
    if (globToRegExp(pattern).test(subject)) return { allowed: true, pattern };
  }
  const shown = parsed.metachars.map((m) => (m === '\n' ? 'a newline' : `"${m}"`));
  return {
    allowed: false,
    reason:
      parsed.metachars.length > 0
        ? `it uses shell metacharacters (${shown.join(', ')}) that no --exec-allow pattern spells out`
        : `it matches no --exec-allow pattern (${patterns.join(', ')})`,
  };
}
