/**
 * `~/.ssh/config` parsing: Host blocks, Match (kept, never applied), Include (through an injected
 * reader, so parsing stays pure). Its own file so that ssh-config-load.ts (file I/O) and ssh-config.ts
 * (resolve/apply, which re-exports the loader) both import it without an import circle.
 */

export interface SshConfigOption {
  key: string; // lower-case keyword
  args: string[];
  /** The text after the keyword, unsplit (ProxyCommand is a shell command line). */
  raw?: string;
  file: string;
  line: number;
}

export interface SshConfigBlock {
  /** Host patterns; undefined for options before the first Host line (they apply to every host). */
  patterns?: string[];
  /** A `Match` block: never applied (unsupported), kept so its options are not misattributed. */
  unsupported?: boolean;
  options: SshConfigOption[];
}

export interface SshConfig {
  blocks: SshConfigBlock[];
  warnings: string[];
}

/** Reads an Include target; returns the files it names (globs expanded) with their text. */
export type IncludeReader = (pattern: string, fromFile: string) => { file: string; text: string }[];

function splitArgs(rest: string): string[] {
  const args: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(rest))) args.push(m[1] ?? m[2] ?? '');
  return args;
}

export function parseSshConfig(
  text: string,
  file: string,
  readInclude?: IncludeReader,
  depth = 0,
): SshConfig {
  const config: SshConfig = { blocks: [{ options: [] }], warnings: [] };
  let current = config.blocks[0]!;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const m = /^([A-Za-z][A-Za-z0-9]*)\s*(?:=\s*|\s+)(.*)$/.exec(trimmed);
    if (!m) {
      config.warnings.push(`${file}:${line}: cannot parse "${trimmed}", line ignored`);
      return;
    }
    const key = m[1]!.toLowerCase();
    const args = splitArgs(m[2] ?? '');
    if (key === 'host') {
      current = { patterns: args, options: [] };
      config.blocks.push(current);
    } else if (key === 'match') {
      config.warnings.push(
        `${file}:${line}: Match blocks are not supported by fleet; its options are ignored`,
      );
      current = { unsupported: true, options: [] };
      config.blocks.push(current);
    } else if (key === 'include') {
      if (!readInclude || depth >= 8) {
        config.warnings.push(`${file}:${line}: Include not followed`);
        return;
      }
      for (const pattern of args) {
        for (const inc of readInclude(pattern, file)) {
          const sub = parseSshConfig(inc.text, inc.file, readInclude, depth + 1);
          config.warnings.push(...sub.warnings);
          // Options at the top of an included file belong to the block the Include sits in.
          current.options.push(...sub.blocks[0]!.options);
          const rest = sub.blocks.slice(1);
          config.blocks.push(...rest);
          if (rest.length > 0) current = rest[rest.length - 1]!;
        }
      }
    } else {
      current.options.push({ key, args, raw: m[2] ?? '', file, line });
    }
  });
  return config;
}
