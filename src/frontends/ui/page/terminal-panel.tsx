/** Terminal tabs (one per opened node), each can be popped out to its own window (?terminal=host). */
import { TerminalView } from './terminal-view.js';

interface Props {
  tabs: string[];
  active: string | null;
  onActivate: (host: string) => void;
  onClose: (host: string) => void;
}

export function TerminalPanel({ tabs, active, onActivate, onClose }: Props) {
  if (tabs.length === 0)
    return <p className="muted panel">open a terminal from a node's details or its right-click menu</p>;
  return (
    <div className="panel terminals">
      <div className="tabs">
        {tabs.map((t) => (
          <span key={t} className={`tab${t === active ? ' active' : ''}`}>
            <button onClick={() => onActivate(t)}>{t}</button>
            <button
              title="pop out"
              onClick={() =>
                window.open(`/?terminal=${encodeURIComponent(t)}`, `fleet-${t}`, 'width=900,height=600')
              }
            >
              ↗
            </button>
            <button title="close" onClick={() => onClose(t)}>
              ×
            </button>
          </span>
        ))}
      </div>
      {tabs.map((t) => (
        <TerminalView key={t} host={t} active={t === active} />
      ))}
    </div>
  );
}
