/** The page: header, canvas, and a side panel with Details / Services / Backups / Exec / Terminals tabs. */
import { useCallback, useEffect, useState } from 'react';
import { ApiFailure, post } from './api.js';
import { BackupsPanel, type RestoreChoice } from './backups-panel.js';
import { Canvas } from './canvas.js';
import { ConfirmDialog, type Confirmation } from './confirm-dialog.js';
import { ContextMenu } from './context-menu.js';
import { DetailsPanel } from './details-panel.js';
import { ExecPanel } from './exec-panel.js';
import { NODE_ACTIONS, type NodeAction } from './node-actions.js';
import { ServicesPanel, type ServiceRequest } from './services-panel.js';
import { TerminalPanel } from './terminal-panel.js';
import { useFleet } from './use-fleet.js';

type Tab = 'details' | 'services' | 'backups' | 'exec' | 'terminals';
const TABS: Tab[] = ['details', 'services', 'backups', 'exec', 'terminals'];

/** A run's outcome in the header; `describe` turns an operation's result into the text. */
type Describe = (value: unknown) => string;

const sameIds = (a: string[], b: string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

function backupDone(value: unknown): string {
  const r = (value as { result?: { backup_id?: string | null; items?: unknown[] } }).result;
  const n = r?.items?.length ?? 0;
  return `backup ${r?.backup_id ?? '?'} complete (${n} item${n === 1 ? '' : 's'})`;
}

export function App() {
  const fleet = useFleet();
  const [tab, setTab] = useState<Tab>('details');
  const [selection, setSelection] = useState<string[]>([]);
  const [confirm, setConfirm] = useState<Confirmation | null>(null);
  const [menu, setMenu] = useState<{ id: string; x: number; y: number } | null>(null);
  const [terminals, setTerminals] = useState<string[]>([]);
  const [activeTerm, setActiveTerm] = useState<string | null>(null);
  const [notice, setNotice] = useState<{ text: string; error: boolean } | null>(null);
  const [backupsVersion, setBackupsVersion] = useState(0);
  const [theme, setTheme] = useState(() => localStorage.getItem('fleet-ui-theme') ?? 'dark');
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem('fleet-ui-theme', theme);
  }, [theme]);

  /** Posts a request and shows its progress and outcome in the header. */
  const submit = useCallback(
    (what: string, path: string, body: Record<string, unknown>, describe?: Describe) => {
      setNotice({ text: `${what}: running…`, error: false });
      post<unknown>(path, body)
        .then(
          (value) => setNotice({ text: `${what}: ${describe ? describe(value) : 'done'}`, error: false }),
          (e: unknown) =>
            setNotice({ text: `${what}: ${e instanceof ApiFailure ? e.message : String(e)}`, error: true }),
        )
        .finally(() => {
          if (path !== '/api/action') setBackupsVersion((v) => v + 1);
        });
    },
    [],
  );
  /** The page's own confirmation (the CLI's flags say what to do), then the request. */
  const perform = useCallback(
    (
      title: string,
      details: string[],
      body: Record<string, unknown>,
      path = '/api/action',
      describe?: Describe,
    ) => {
      setConfirm({
        title,
        details,
        yes: 'Yes, do it',
        onAnswer: (yes) => {
          setConfirm(null);
          if (yes) submit(title.replace(/\?$/, ''), path, body, describe);
        },
      });
    },
    [submit],
  );
  // No page confirmation: the restore operation asks its own question (web asker → dialog below).
  const restore = useCallback(
    (c: RestoreChoice) => submit(`Restore ${c.backupId}`, '/api/restore', { ...c }),
    [submit],
  );
  const nodeAction = useCallback(
    (action: NodeAction, hosts: string[]) => {
      setMenu(null);
      const a = NODE_ACTIONS.find((x) => x.action === action)!;
      if (a.path) perform(`${a.label} on ${hosts.join(', ')}?`, [a.warn], { hosts }, a.path, backupDone);
      else perform(`${a.label} ${hosts.join(', ')}?`, [a.warn], { action, hosts });
    },
    [perform],
  );
  const openTerminal = useCallback((host: string) => {
    setMenu(null);
    setTerminals((t) => (t.includes(host) ? t : [...t, host]));
    setActiveTerm(host);
    setTab('terminals');
  }, []);
  // The canvas owns the selection (click, shift-click, drag a box); a plain click shows the details.
  const onSelectionChange = useCallback(
    (ids: string[]) => setSelection((s) => (sameIds(s, ids) ? s : ids)),
    [],
  );
  const onCardClick = useCallback((additive: boolean) => {
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
          <Canvas
            snapshot={fleet.snapshot}
            selection={selection}
            onSelectionChange={onSelectionChange}
            onCardClick={onCardClick}
            onContext={onContext}
          />
        ) : (
          <div className="canvas" />
        )}
        <aside>
          <nav>
            {TABS.map((t) => (
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
          {tab === 'backups' ? (
            <BackupsPanel version={backupsVersion} selection={selection} onRestore={restore} />
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
            // The CLI's prompt ends in "[y/N]"; the dialog's buttons say it.
            title: question.question.replace(/\s*\[y\/N\]\s*$/, ''),
            details: question.details,
            yes: 'Yes',
            testId: 'question-dialog',
            onAnswer: (yes) =>
              void post('/api/answer', { questionId: question.questionId, yes }).catch(() => undefined),
          }}
        />
      ) : null}
    </div>
  );
}
