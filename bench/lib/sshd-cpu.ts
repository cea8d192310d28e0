/**
 * Host-side cost of a command: the CPU time a lab host's sshd and everything under it (the session
 * sshd, the login shell and its ~/.bashrc, the command) spent. Read from the listening sshd's
 * /proc/<pid>/stat: its own utime+stime plus cutime+cstime, which the kernel adds a child's CPU to
 * when the child is reaped (recursively, so reaped grandchildren count too). Clock ticks of 10 ms:
 * average over many commands.
 */
import { readFile } from 'node:fs/promises';
import type { LabHost } from '../../test/lab/index.js';

const TICK_SECONDS = 0.01;

async function listeningSshd(h: LabHost): Promise<number> {
  const kids = (await readFile(`/proc/${h.pid}/task/${h.pid}/children`, 'utf8')).trim().split(/\s+/);
  for (const pid of kids) {
    const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
    if (comm.trim() === 'sshd') return Number(pid);
  }
  throw new Error(`no sshd under the init of ${h.name} (pid ${h.pid})`);
}

/**
 * CPU seconds a process used so far (utime+stime), plus its reaped descendants' (cutime+cstime) when
 * `children` (bench/ui.ts reads the `fleet ui` process's own).
 */
export async function processCpuSeconds(pid: number, children = true): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name: state is field 3; utime, stime, cutime, cstime are 14-17.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = (children ? [11, 12, 13, 14] : [11, 12]).reduce((sum, i) => sum + Number(fields[i]), 0);
  return ticks * TICK_SECONDS;
}

/** CPU seconds the host's sshd and all its reaped descendants used so far. */
export async function sshdCpuSeconds(h: LabHost): Promise<number> {
  return processCpuSeconds(await listeningSshd(h));
}
