/**
 * The canvas (@xyflow/react): one card per node of nodes.yml plus any swarm node it does not name,
 * edges from the leader/managers to the workers, cards draggable (positions kept in localStorage).
 * A card whose state changed since the last snapshot flashes for two seconds.
 */
import { Background, Controls, ReactFlow, applyNodeChanges, type Edge, type NodeChange } from '@xyflow/react';
import { useEffect, useMemo, useRef, useState } from 'react';
import { autoLayout, forgetPositions, savePosition, savedPositions } from './layout.js';
import { NodeCard, cardState, type CardNode } from './node-card.js';
import type { Snapshot, StatusNode } from './types.js';

const nodeTypes = { card: NodeCard };

interface Props {
  snapshot: Snapshot;
  selection: string[];
  onSelect: (id: string, additive: boolean) => void;
  onContext: (id: string, x: number, y: number) => void;
}

function cardIds(snapshot: Snapshot): { id: string; type: string; row: StatusNode | null }[] {
  const rows = new Map(snapshot.status.nodes.map((r) => [r.name, r]));
  const cards = snapshot.inventory.map((h) => ({
    id: h.id,
    type: h.type ?? 'host',
    row: rows.get(h.id) ?? null,
  }));
  for (const r of snapshot.status.nodes)
    if (!cards.some((c) => c.id === r.name)) cards.push({ id: r.name, type: 'swarm', row: r });
  return cards;
}

export function Canvas({ snapshot, selection, onSelect, onContext }: Props) {
  const cards = useMemo(() => cardIds(snapshot), [snapshot]);
  const previous = useRef(new Map<string, string>());
  const [changed, setChanged] = useState<Set<string>>(new Set());
  const [layoutVersion, setLayoutVersion] = useState(0);
  useEffect(() => {
    const now = new Set<string>();
    for (const c of cards) {
      const key = `${cardState(c.row)}/${c.row?.role}/${c.row?.tasks}`;
      const was = previous.current.get(c.id);
      if (was !== undefined && was !== key) now.add(c.id);
      previous.current.set(c.id, key);
    }
    if (now.size === 0) return;
    setChanged(now);
    const t = setTimeout(() => setChanged(new Set()), 2000);
    return () => clearTimeout(t);
  }, [cards]);

  const positions = useMemo(() => {
    const auto = autoLayout(
      cards.map((c) => ({
        id: c.id,
        type: c.type,
        manager: c.row?.role === 'leader' || c.row?.role === 'manager',
      })),
    );
    return { ...auto, ...savedPositions() };
  }, [cards, layoutVersion]);

  const [nodes, setNodes] = useState<CardNode[]>([]);
  useEffect(() => {
    setNodes((old) =>
      cards.map((c) => ({
        id: c.id,
        type: 'card' as const,
        position: old.find((n) => n.id === c.id && n.dragging)?.position ?? positions[c.id] ?? { x: 0, y: 0 },
        data: {
          id: c.id,
          type: c.type,
          row: c.row,
          selected: selection.includes(c.id),
          changed: changed.has(c.id),
          onContext,
        },
      })),
    );
  }, [cards, positions, selection, changed, onContext]);

  const edges: Edge[] = useMemo(() => {
    const leader =
      cards.find((c) => c.row?.role === 'leader') ?? cards.find((c) => c.row?.role === 'manager');
    if (!leader) return [];
    return cards
      .filter((c) => c.id !== leader.id && c.row?.role)
      .map((c) => ({
        id: `${leader.id}->${c.id}`,
        source: leader.id,
        target: c.id,
        animated: changed.has(c.id),
        className: `edge-${cardState(c.row)}`,
      }));
  }, [cards, changed]);

  const onNodesChange = (changes: NodeChange<CardNode>[]) => {
    setNodes((ns) => applyNodeChanges(changes, ns));
    for (const ch of changes)
      if (ch.type === 'position' && ch.position && !ch.dragging) savePosition(ch.id, ch.position);
  };
  return (
    <div className="canvas" data-testid="canvas">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onNodeDragStop={(_, n) => savePosition(n.id, n.position)}
        onNodeClick={(e, n) => onSelect(n.id, e.shiftKey)}
        nodesConnectable={false}
        fitView
        minZoom={0.2}
        proOptions={{ hideAttribution: true }}
      >
        <Background />
        <Controls />
      </ReactFlow>
      <button
        className="reset-layout"
        onClick={() => {
          forgetPositions();
          setLayoutVersion((v) => v + 1);
        }}
      >
        reset layout
      </button>
    </div>
  );
}
