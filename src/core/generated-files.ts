/**
 * Files fleet generates (a unit file, a script, a config) as a push plan: the bytes travel in the
 * plan itself (PlannedEntry.content) through the same push machinery as `fleet push`, each file to
 * its own absolute path. Only files: tar creates missing parent folders itself (root-owned 0755
 * under sudo), and no directory entry can change the mode of an existing folder such as /etc.
 */
import { createHash } from 'node:crypto';
import { checkRemotePath, type PushPlan } from './transfer-plan.js';

export interface GeneratedFile {
  path: string;
  content: string;
  mode: number;
}

export function planGeneratedFiles(files: GeneratedFile[], mtime: number): PushPlan {
  const entries = files.map((f) => {
    const content = Buffer.from(f.content, 'utf8');
    return {
      source: `(generated ${f.path})`,
      rel: '',
      type: 'file' as const,
      mode: f.mode,
      mtime,
      size: content.length,
      sha256: createHash('sha256').update(content).digest('hex'),
      content,
      remote: checkRemotePath(f.path, 'generated file'),
    };
  });
  return { entries, parent: '/', files: entries.length, bytes: entries.reduce((n, e) => n + e.size, 0) };
}
