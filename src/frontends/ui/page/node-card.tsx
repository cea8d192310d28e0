/** One node of the canvas: name, type, role (crown for the leader), state colour, bars, tasks. */
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import type { StatusNode } from './types.js';
import { MiniBar } from './mini-bar.js';

export interface CardData extends Record<string, unknown> {
  id: string;
  type: string;
  row: StatusNode | null;
  selected: boolean;
  changed: boolean;
  onContext: (id: string, x: number, y: number) => void;
}

export type CardNode = Node<CardData, 'card'>;

/** ready / down / drain / unknown: the card's colour. */
export function cardState(row: StatusNode | null): string {
  if (!row) return 'unknown';
  if (row.state === 'down' || row.state === 'disconnected' || row.ssh === 'unreachable') return 'down';
  if (row.state === 'not-in-swarm' || row.state === 'left') return 'outside';
  if (row.availability === 'drain' || row.availability === 'pause') return 'drain';
  return row.state === 'ready' ? 'ready' : 'unknown';
}

export function NodeCard({ data }: NodeProps<CardNode>) {
  const { row } = data;
  const m = row?.metrics;
  const mem = m?.memUsedBytes != null && m.memTotalBytes ? (100 * m.memUsedBytes) / m.memTotalBytes : null;
  const gpu = m?.gpus[0];
  const state = cardState(row);
  return (
    <div
      className={`card state-${state}${data.selected ? ' selected' : ''}${data.changed ? ' changed' : ''}`}
      data-testid={`card-${data.id}`}
      data-state={state}
      data-role={row?.role ?? 'none'}
      onContextMenu={(e) => {
        e.preventDefault();
        data.onContext(data.id, e.clientX, e.clientY);
      }}
    >
      <Handle type="target" position={Position.Top} isConnectable={false} />
      <div className="card-head">
        <span className="card-name">
          {row?.role === 'leader' ? (
            <span className="crown" title="leader">
              ♛{' '}
            </span>
          ) : null}
          {data.id}
        </span>
        <span className="card-type">{data.type}</span>
      </div>
      <div className="card-meta">
        <span className={`role role-${row?.role ?? 'none'}`}>{row?.role ?? 'not in swarm'}</span>
        <span>{row?.availability ?? ''}</span>
        <span>{state}</span>
      </div>
      {gpu ? <div className="card-gpu">GPU {gpu.name}</div> : null}
      <MiniBar label="cpu" value={m?.cpuPct ?? null} />
      <MiniBar label="mem" value={mem} />
      <MiniBar label="temp" value={m?.tempC ?? null} max={100} unit="°C" />
      <div className="card-tasks">{row ? `${row.tasks} task${row.tasks === 1 ? '' : 's'}` : ''}</div>
      <Handle type="source" position={Position.Bottom} isConnectable={false} />
    </div>
  );
}
