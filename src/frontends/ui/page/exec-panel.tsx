/**
 * Batch exec on the selected nodes (shift-click or a box dragged on the canvas): the answer grouped the way
 * `fleet exec --group` groups it. The commands run per node are remembered (history below).
 */
import { useState } from 'react';
import { ApiFailure, post } from './api.js';

interface Group {
  hosts: string[];
  label: string;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  error: string | null;
}
interface ExecAnswer {
  command: string;
  successful: number;
  total: number;
  groups: Group[];
}

export function ExecPanel({ selection }: { selection: string[] }) {
  const [command, setCommand] = useState('');
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<ExecAnswer | string | null>(null);
  const [history, setHistory] = useState<Record<string, string[]>>({});
  const runIt = async () => {
    setBusy(true);
    setAnswer(null);
    try {
      setAnswer(await post<ExecAnswer>('/api/exec', { hosts: selection, command }));
      setHistory((h) =>
        Object.fromEntries([
          ...Object.entries(h),
          ...selection.map((id) => [id, [...(h[id] ?? []), command].slice(-20)]),
        ]),
      );
    } catch (e) {
      setAnswer(e instanceof ApiFailure ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="panel exec" data-testid="exec">
      <p className="muted">
        {selection.length
          ? `on ${selection.join(', ')}`
          : 'select nodes on the canvas (shift-click adds, or drag a box around them)'}
      </p>
      <form
        className="inline"
        onSubmit={(e) => {
          e.preventDefault();
          void runIt();
        }}
      >
        <input
          data-testid="exec-command"
          value={command}
          onChange={(e) => setCommand(e.target.value)}
          placeholder="command, e.g. uptime"
          list="exec-history"
        />
        <datalist id="exec-history">
          {[...new Set(Object.values(history).flat())].map((c) => (
            <option key={c} value={c} />
          ))}
        </datalist>
        <button type="submit" data-testid="exec-run" disabled={busy || !selection.length || !command.trim()}>
          {busy ? 'running…' : 'Run'}
        </button>
      </form>
      {typeof answer === 'string' ? <p className="error">{answer}</p> : null}
      {answer && typeof answer === 'object' ? (
        <div data-testid="exec-result">
          <p>
            {answer.successful}/{answer.total} succeeded
          </p>
          {answer.groups.map((g) => (
            <div className="group" key={g.label}>
              <div className="group-head">
                {g.label} {g.error ? `— ${g.error}` : g.exitCode ? `— exit ${g.exitCode}` : ''}
              </div>
              <pre>{g.stdout}</pre>
              {g.stderr ? <pre className="error">{g.stderr}</pre> : null}
            </div>
          ))}
        </div>
      ) : null}
    </div>
  );
}
