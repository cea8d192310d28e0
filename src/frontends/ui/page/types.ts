/** What the server sends the page (mirrors frontends/ui/observer.ts Snapshot; types only). */
import type { Snapshot } from '../observer.js';
import type { StatusNode } from '../../../core/status.js';

export type { Snapshot, StatusNode };

export interface Question {
  questionId: string;
  id: string;
  question: string;
  details?: string[];
}

/** One metric sample per node per snapshot, kept for the details panel's chart. */
export interface Sample {
  at: number;
  cpu: number | null;
  mem: number | null;
  temp: number | null;
}

export interface ApiError {
  code: string;
  message: string;
  hint?: string;
}
