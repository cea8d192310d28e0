/** The clicked node: facts (on demand), labels, tasks, metric history, actions behind a confirmation. */
import { useEffect, useState } from 'react';
import { get } from './api.js';
import { NODE_ACTIONS, type NodeAction } from './node-actions.js';
import { Sparkline } from './sparkline.js';
import type { Sample, Snapshot } from './types.js';

interface Props {
  id: string;
  snapshot: Snapshot;
  history: Sample[];
  onAction: (action: NodeAction, hosts: string[]) => void;
  onLabel: (host: string, add: string[], remove: string[]) => void;
  onTerminal: (host: string) => void;
}

type Facts = Record<string, unknown> | null;

/** Nested facts as dotted keys (os.name, docker.version), values as text. */
function flatten(value: Record<string, unknown>, prefix = ''): [string, string][] {
  return Object.entries(value).flatMap(([k, v]): [string, string][] => {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v === null || v === undefined) return [];
    if (Array.isArray(v))
      return [[key, v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ')]];
    if (typeof v === 'object') return flatten(v as Record<string, unknown>, key);
    return [[key, String(v)]];
  });
}

function FactsView({ id }: { id: string }) {
  const [facts, setFacts] = useState<Facts | 'loading' | string>('loading');
  useEffect(() => {
    setFacts('loading');
    get<Facts>(`/api/facts?host=${encodeURIComponent(id)}`).then(setFacts, (e: Error) => setFacts(e.message));
  }, [id]);
  if (facts === 'loading') return <p className="muted">reading facts…</p>;
  if (typeof facts === 'string' || !facts) return <p className="error">{String(facts ?? 'no facts')}</p>;
  const rows = flatten(facts).slice(0, 40);
  return (
    <table className="facts">
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k}>
            <th>{k}</th>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function DetailsPanel({ id, snapshot, history, onAction, onLabel, onTerminal }: Props) {
  const row = snapshot.status.nodes.find((n) => n.name === id) ?? null;
  const inv = snapshot.inventory.find((h) => h.id === id);
  const tasks = (snapshot.status.tasks ?? []).filter((t) => t.node === id);
  const [label, setLabel] = useState('');
  return (
    <div className="panel details" data-testid="details">
      <h2>{id}</h2>
      <p className="muted">
        {inv?.address} · {inv?.type ?? 'host'} · {row?.role ?? 'not in swarm'} · {row?.state} ·{' '}
        {row?.availability ?? ''}
        {row?.sshError ? ` · SSH: ${row.sshError}` : ''}
      </p>
      <div className="actions">
        {NODE_ACTIONS.map((a) => (
          <button key={a.action} data-testid={`action-${a.action}`} onClick={() => onAction(a.action, [id])}>
            {a.label}
          </button>
        ))}
        <button data-testid="open-terminal" onClick={() => onTerminal(id)}>
          Terminal
        </button>
      </div>
      <h3>Metrics</h3>
      <Sparkline label="cpu %" values={history.map((s) => s.cpu)} />
      <Sparkline label="mem %" values={history.map((s) => s.mem)} />
      <Sparkline label="temp °C" values={history.map((s) => s.temp)} />
      <h3>Tasks ({tasks.length})</h3>
      <ul className="tasks" data-testid="node-tasks">
        {tasks.map((t) => (
          <li key={t.id}>
            {t.name} <span className="muted">{t.state}</span>
          </li>
        ))}
      </ul>
      <h3>Labels</h3>
      <ul className="labels">
        {Object.entries(inv?.labels ?? {}).map(([k, v]) => (
          <li key={k}>
            {k}={v}
          </li>
        ))}
      </ul>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (label.includes('=')) onLabel(id, [label], []);
          else if (label) onLabel(id, [], [label]);
          setLabel('');
        }}
      >
        <input
          value={label}
          onChange={(e) => setLabel(e.target.value)}
          placeholder="key=value adds, key removes"
        />
        <button type="submit">Label</button>
      </form>
      <h3>Facts</h3>
      <FactsView id={id} />
    </div>
  );
}
