/**
 * Long tool calls an agent chose to run in the background (`background: true`): each gets a job id
 * at once, and fleet_job_status reports its progress and, when it ends, its result. Jobs live as
 * long as the server; only the newest MAX_JOBS are kept.
 */
import { randomBytes } from 'node:crypto';

const MAX_JOBS = 100;

export interface Job {
  id: string;
  tool: string;
  status: 'running' | 'ok' | 'error';
  startedAt: string;
  durationMs: number | null;
  /** The newest progress message. */
  progress: string | null;
  result: Record<string, unknown> | null;
  error: string | null;
}

export class JobTable {
  private readonly jobs = new Map<string, Job & { started: number }>();

  /** Starts `work` now; returns the job at once. */
  start(
    tool: string,
    work: (
      progress: (message: string) => void,
    ) => Promise<{ result?: Record<string, unknown>; error?: string }>,
  ): Job {
    const id = `job-${randomBytes(6).toString('hex')}`;
    const job = {
      id,
      tool,
      status: 'running' as Job['status'],
      startedAt: new Date().toISOString(),
      started: Date.now(),
      durationMs: null as number | null,
      progress: null as string | null,
      result: null as Record<string, unknown> | null,
      error: null as string | null,
    };
    this.jobs.set(id, job);
    this.trim();
    void work((message) => (job.progress = message)).then(
      (outcome) => {
        job.status = outcome.error === undefined ? 'ok' : 'error';
        job.result = outcome.result ?? null;
        job.error = outcome.error ?? null;
        job.durationMs = Date.now() - job.started;
      },
      (err: unknown) => {
        job.status = 'error';
        job.error = err instanceof Error ? err.message : String(err);
        job.durationMs = Date.now() - job.started;
      },
    );
    return this.view(job);
  }

  get(id: string): Job | undefined {
    const job = this.jobs.get(id);
    return job && this.view(job);
  }

  private view(job: Job & { started: number }): Job {
    const { started, ...rest } = job;
    return { ...rest, durationMs: rest.durationMs ?? Date.now() - started };
  }

  private trim(): void {
    for (const [id, job] of this.jobs) {
      if (this.jobs.size <= MAX_JOBS) return;
      if (job.status !== 'running') this.jobs.delete(id);
    }
  }
}
