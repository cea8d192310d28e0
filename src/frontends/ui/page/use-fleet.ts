/** The live state: one EventSource on /api/events; snapshots, metric history per node, open questions. */
import { useEffect, useState } from 'react';
import type { Question, Sample, Snapshot } from './types.js';

const HISTORY = 60;

export interface FleetState {
  snapshot: Snapshot | null;
  history: Record<string, Sample[]>;
  questions: Question[];
  observerError: string | null;
  connected: boolean;
}

const pct = (used: number | null | undefined, total: number | null | undefined): number | null =>
  used != null && total ? (100 * used) / total : null;

export function useFleet(): FleetState {
  const [state, setState] = useState<FleetState>({
    snapshot: null,
    history: {},
    questions: [],
    observerError: null,
    connected: false,
  });
  useEffect(() => {
    const source = new EventSource('/api/events');
    source.onopen = () => setState((s) => ({ ...s, connected: true }));
    source.onerror = () => setState((s) => ({ ...s, connected: false }));
    source.addEventListener('snapshot', (e) => {
      const snapshot = JSON.parse((e as MessageEvent<string>).data) as Snapshot;
      setState((s) => {
        const history = { ...s.history };
        const at = Date.parse(snapshot.status.timestamp);
        for (const n of snapshot.status.nodes) {
          const m = n.metrics;
          const sample = {
            at,
            cpu: m?.cpuPct ?? null,
            mem: pct(m?.memUsedBytes, m?.memTotalBytes),
            temp: m?.tempC ?? null,
          };
          history[n.name] = [...(history[n.name] ?? []), sample].slice(-HISTORY);
        }
        return { ...s, snapshot, history, observerError: null, connected: true };
      });
    });
    source.addEventListener('observer-error', (e) => {
      const { message } = JSON.parse((e as MessageEvent<string>).data) as { message: string };
      setState((s) => ({ ...s, observerError: message }));
    });
    source.addEventListener('question', (e) => {
      const q = JSON.parse((e as MessageEvent<string>).data) as Question;
      setState((s) => ({ ...s, questions: [...s.questions, q] }));
    });
    source.addEventListener('answered', (e) => {
      const { id } = JSON.parse((e as MessageEvent<string>).data) as { id: string };
      setState((s) => ({ ...s, questions: s.questions.filter((q) => q.questionId !== id) }));
    });
    return () => source.close();
  }, []);
  return state;
}
