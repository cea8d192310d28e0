/** The right-click menu on a card: the details panel's actions. */
import { NODE_ACTIONS, type NodeAction } from './node-actions.js';

interface Props {
  id: string;
  x: number;
  y: number;
  onAction: (action: NodeAction, hosts: string[]) => void;
  onTerminal: (id: string) => void;
  onClose: () => void;
}

export function ContextMenu({ id, x, y, onAction, onTerminal, onClose }: Props) {
  return (
    <div className="menu-backdrop" onClick={onClose} onContextMenu={(e) => (e.preventDefault(), onClose())}>
      <ul className="menu" style={{ left: x, top: y }} data-testid="context-menu">
        <li className="muted">{id}</li>
        {NODE_ACTIONS.map((a) => (
          <li key={a.action}>
            <button onClick={() => onAction(a.action, [id])}>{a.label}</button>
          </li>
        ))}
        <li>
          <button onClick={() => onTerminal(id)}>Terminal</button>
        </li>
      </ul>
    </div>
  );
}
