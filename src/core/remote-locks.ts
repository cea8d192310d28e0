/**
 * Paths of the lock files fleet keeps on every host it changes. The cluster lock is held by a
 * remote `flock` process for as long as fleet's SSH connection lives; the job lock is held by a
 * detached remote job (a swarm backup's stop → archive → start) until Docker runs again, so no
 * run takes over a host whose engine is stopped.
 */
export const REMOTE_LOCK_DIR = '/run/lock/fleet';
export const CLUSTER_LOCK_FILE = `${REMOTE_LOCK_DIR}/cluster.lock`;
export const JOB_LOCK_FILE = `${REMOTE_LOCK_DIR}/job.lock`;
