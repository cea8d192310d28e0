/**
 * Unit files on this machine (`fleet backup schedule`): written through safe-write into a unit
 * folder, read back, removed, and `systemctl` run when that folder is systemd's own and systemd is
 * the running init. Tests point the folder elsewhere (--unit-dir), where nothing is enabled.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FleetError } from '../core/errors.js';
import { writeFileSafely } from './fs/safe-write.js';

/** systemd is this machine's init (what `sd_booted()` checks). */
export function systemdRunning(): boolean {
  return existsSync('/run/systemd/system');
}

export async function writeUnit(dir: string, name: string, text: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  await writeFileSafely(path, text, { mode: 0o644, what: 'unit file' });
  return path;
}

/** Unit files in `dir` whose name starts with `prefix`, with their text. */
export async function readUnits(dir: string, prefix: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return out;
  }
  for (const name of names.filter((n) => n.startsWith(prefix)).sort()) {
    try {
      out.set(name, await readFile(join(dir, name), 'utf8'));
    } catch {
      // a folder or an unreadable file is not one of ours
    }
  }
  return out;
}

export function isEnabledLink(dir: string, target: string, name: string): boolean {
  return existsSync(join(dir, `${target}.wants`, name));
}

export async function removeUnit(dir: string, name: string): Promise<boolean> {
  const path = join(dir, name);
  const had = existsSync(path);
  await rm(path, { force: true });
  return had;
}

export function systemctl(args: string[], signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('systemctl', args, { signal, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) {
        reject(
          new FleetError(
            'remote-exit',
            `systemctl ${args.join(' ')} failed: ${String(stderr).trim() || err.message}`,
            {
              hint: 'run fleet backup schedule as root (or with sudo) to install units in /etc/systemd/system',
            },
          ),
        );
      } else resolve(String(stdout));
    });
  });
}
