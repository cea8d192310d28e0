/** Reads ~/.ssh/config and the files it Includes; parsing itself is pure (ssh-config-parse.ts). */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { FleetError } from '../../core/errors.js';
import { matchPattern } from './pattern.js';
import { parseSshConfig, type IncludeReader, type SshConfig } from './ssh-config-parse.js';

function readIncludeFromDisk(home: string): IncludeReader {
  return (pattern, fromFile) => {
    const expanded = pattern.startsWith('~/') ? join(home, pattern.slice(2)) : pattern;
    // OpenSSH resolves relative user-config includes against ~/.ssh.
    const full = isAbsolute(expanded) ? expanded : join(home, '.ssh', expanded);
    void fromFile;
    const dir = dirname(full);
    const base = basename(full);
    let files: string[];
    if (/[*?]/.test(base)) {
      try {
        files = readdirSync(dir)
          .filter((f) => matchPattern(f, base))
          .sort()
          .map((f) => join(dir, f));
      } catch {
        files = [];
      }
    } else files = [full];
    return files.flatMap((file) => {
      try {
        if (!statSync(file).isFile()) return [];
        return [{ file, text: readFileSync(file, 'utf8') }];
      } catch {
        return [];
      }
    });
  };
}

/** Reads ~/.ssh/config (or `path`); a missing file is an empty config. */
export function loadSshConfig(path?: string, home: string = homedir()): SshConfig {
  const file = path ?? join(home, '.ssh', 'config');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { blocks: [{ options: [] }], warnings: [] };
    throw new FleetError('usage', `cannot read ssh config ${file}: ${(err as Error).message}`, {
      hint: 'fix its permissions, or point to another file',
      cause: err,
    });
  }
  return parseSshConfig(text, file, readIncludeFromDisk(home));
}
