/**
 * The node actions of the details panel and the right-click menu, with what each asks before it runs.
 * `path` is the endpoint (default /api/action: ops/node); a backup goes to /api/backup (ops/backup).
 */
export type NodeAction = 'drain' | 'activate' | 'pause' | 'promote' | 'demote' | 'rm' | 'backup';

export const NODE_ACTIONS: { action: NodeAction; label: string; warn: string; path?: string }[] = [
  {
    action: 'drain',
    label: 'Drain',
    warn: 'Every task on it moves to other nodes; fleet waits until they moved.',
  },
  { action: 'activate', label: 'Activate', warn: 'The scheduler may place tasks on it again.' },
  { action: 'pause', label: 'Pause', warn: 'No new tasks; running ones stay.' },
  { action: 'promote', label: 'Promote', warn: 'It becomes a manager (a Raft member).' },
  { action: 'demote', label: 'Demote', warn: 'It becomes a worker; refused when quorum would weaken.' },
  {
    action: 'rm',
    label: 'Remove from swarm',
    warn: 'It leaves the swarm; refused when it runs the only replica of a service.',
  },
  {
    action: 'backup',
    label: 'Run a backup',
    warn: 'As fleet backup -n NODE into the configured store: /etc/fleet, and on a manager that is not the leader the swarm state (its Docker stops for the archive; refused when quorum would be lost).',
    path: '/api/backup',
  },
];
