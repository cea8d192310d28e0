/** The page: header, canvas, and a side panel with Details / Services / Exec / Terminals tabs. */
import { useCallback, useEffect, useState } from 'react';
import { ApiFailure, post } from './api.js';
import { Canvas } from './canvas.js';
import { ConfirmDialog, type Confirmation } from './confirm-dialog.js';
import { ContextMenu } from './context-menu.js';
import { DetailsPanel } from './details-panel.js';
import { ExecPanel } from './exec-panel.js';
import { NODE_ACTIONS, type NodeAction } from './node-actions.js';
import { ServicesPanel, type ServiceRequest } from './services-panel.js';
import { TerminalPanel } from './terminal-panel.js';
import { useFleet } from './use-fleet.js';

type Tab = 'details' | 'services' | 'exec' | 'terminals';

export function App() {
  const fleet = useFleet();
  const [tab, setTab] = useState<Tab>('details');
  const [selection, setSelection] = useState<string[]>([]);
  const [confirm, setConfirm] = useState<Confirmation | null>(null);
  const [menu, setMenu] = useState<{ id: string; x: number; y: number } | null>(null);
  const [terminals, setTerminals] = useState<string[]>([]);
  const [activeTerm, setActiveTerm] = useState<string | null>(null);
  const [notice, setNotice] = useState<{ text: string; error: boolean } | null>(null);
  const [theme, setTheme] = useState(() => localStorage.getItem('fleet-ui-theme') ?? 'dark');
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem('fleet-ui-theme', theme);
  }, [theme]);

  const perform = useCallback((title: string, details: string[], body: Record<string, unknown>) => {
    setConfirm({
      title,
      details,
      yes: 'Yes, do it',
      onAnswer: (yes) => {
        setConfirm(null);
        if (!yes) return;
        setNotice({ text: `${title.replace(/\?$/, '')}: running…`, error: false });
        post<{ error?: { message: string } }>('/api/action', body).then(
          () => setNotice({ text: `${title.replace(/\?$/, '')}: done`, error: false }),
          (e: unknown) => setNotice({ text: e instanceof ApiFailure ? e.message : String(e), error: true }),
        );
      },
    });
  }, []);
  const nodeAction = useCallback(
    (action: NodeAction, hosts: string[]) => {
      setMenu(null);
      const a = NODE_ACTIONS.find((x) => x.action === action)!;
      perform(`${a.label} ${hosts.join(', ')}?`, [a.warn], { action, hosts });
    },
    [perform],
  );
  const openTerminal = useCallback((host: string) => {
    setMenu(null);
    setTerminals((t) => (t.includes(host) ? t : [...t, host]));
    setActiveTerm(host);
    setTab('terminals');
  }, []);
  const onSelect = useCallback((id: string, additive: boolean) => {
    setSelection((s) => (additive ? (s.includes(id) ? s.filter((x) => x !== id) : [...s, id]) : [id]));
    if (!additive) setTab((t) => (t === 'exec' ? t : 'details'));
  }, []);
  const onContext = useCallback((id: string, x: number, y: number) => setMenu({ id, x, y }), []);
  const question = fleet.questions[0];

  const popped = new URLSearchParams(location.search).get('terminal');
  if (popped)
    return (
      <TerminalPanel
        tabs={[popped]}
        active={popped}
        onActivate={() => undefined}
        onClose={() => window.close()}
      />
    );

  const status = fleet.snapshot?.status;
  return (
    <div className="app">
      <header>
        <strong>fleet</strong>
        {status ? (
          <span data-testid="summary" className={status.verdict.healthy ? 'ok' : 'error'}>
            {status.cluster.nodesReady}/{status.cluster.nodesTotal} ready · quorum {status.quorum.reachable}/
            {status.quorum.managers} ·{' '}
            {status.verdict.healthy ? 'healthy' : `degraded (${status.verdict.problems.length})`}
          </span>
        ) : (
          <span className="muted">waiting for the first round…</span>
        )}
        {fleet.observerError ? <span className="error">{fleet.observerError}</span> : null}
        {!fleet.connected ? <span className="error">disconnected</span> : null}
        <span className="spacer" />
        {notice ? (
          <span className={notice.error ? 'error' : 'muted'} data-testid="notice">
            {notice.text}
          </span>
        ) : null}
        <button onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}>
          {theme === 'dark' ? 'light' : 'dark'}
        </button>
      </header>
      <main>
        {fleet.snapshot ? (
          <Canvas snapshot={fleet.snapshot} selection={selection} onSelect={onSelect} onContext={onContext} />
        ) : (
          <div className="canvas" />
        )}
        <aside>
          <nav>
            {(['details', 'services', 'exec', 'terminals'] as Tab[]).map((t) => (
              <button
                key={t}
                className={t === tab ? 'active' : ''}
                data-testid={`tab-${t}`}
                onClick={() => setTab(t)}
              >
                {t}
              </button>
            ))}
          </nav>
          {tab === 'details' && fleet.snapshot && selection[0] ? (
            <DetailsPanel
              id={selection[0]}
              snapshot={fleet.snapshot}
              history={fleet.history[selection[0]] ?? []}
              onAction={nodeAction}
              onTerminal={openTerminal}
              onLabel={(host, add, remove) =>
                perform(
                  `Label ${host}?`,
                  [...add.map((l) => `add ${l}`), ...remove.map((l) => `remove ${l}`)],
                  { action: 'label', hosts: [host], add, remove },
                )
              }
            />
          ) : null}
          {tab === 'details' && !selection[0] ? <p className="muted panel">click a node</p> : null}
          {tab === 'services' && fleet.snapshot ? (
            <ServicesPanel
              snapshot={fleet.snapshot}
              run={(r: ServiceRequest, title) => perform(title, [], r)}
            />
          ) : null}
          {tab === 'exec' ? <ExecPanel selection={selection} /> : null}
          <div style={{ display: tab === 'terminals' ? 'block' : 'none' }}>
            <TerminalPanel
              tabs={terminals}
              active={activeTerm}
              onActivate={setActiveTerm}
              onClose={(h) => {
                setTerminals((t) => t.filter((x) => x !== h));
                setActiveTerm((a) => (a === h ? null : a));
              }}
            />
          </div>
        </aside>
      </main>
      {menu ? (
        <ContextMenu
          {...menu}
          onAction={nodeAction}
          onTerminal={openTerminal}
          onClose={() => setMenu(null)}
        />
      ) : null}
      {confirm ? <ConfirmDialog c={confirm} /> : null}
      {!confirm && question ? (
        <ConfirmDialog
          c={{
            title: question.question,
            details: question.details,
            yes: 'Yes',
            onAnswer: (yes) =>
              void post('/api/answer', { questionId: question.questionId, yes }).catch(() => undefined),
          }}
        />
      ) : null}
    </div>
  );
}
