/**
 * The canvas (@xyflow/react): one card per node of nodes.yml plus any swarm node it does not name,
 * edges from the leader/managers to the workers, cards draggable (positions kept in localStorage).
 * A card whose state changed since the last snapshot flashes for two seconds.
 *
 * Selection is React Flow's own: a click selects a card, shift-click adds or removes one, and dragging
 * a box on empty canvas (lasso) selects the cards it touches; the page keeps the ids (for batch exec,
 * details, restore -n). Panning is the middle or right button, or the scroll wheel; ctrl+wheel zooms.
 */
import {
  Background,
  Controls,
  ReactFlow,
  SelectionMode,
  applyNodeChanges,
  type Edge,
  type NodeChange,
  type OnSelectionChangeParams,
} from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { autoLayout, forgetPositions, savePosition, savedPositions } from './layout.js';
import { NodeCard, cardState, type CardNode } from './node-card.js';
import type { Snapshot, StatusNode } from './types.js';

const nodeTypes = { card: NodeCard };

interface Props {
  snapshot: Snapshot;
  selection: string[];
  /** The selected cards' ids, whenever the selection changes. */
  onSelectionChange: (ids: string[]) => void;
  /** A card was clicked (additive: with shift). */
  onCardClick: (additive: boolean) => void;
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

/** Pan with the middle and right buttons: the left one draws the selection box. */
const PAN_BUTTONS = [1, 2];

export function Canvas({ snapshot, selection, onSelectionChange, onCardClick, onContext }: Props) {
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
    setNodes((old) => {
      const before = new Map(old.map((n) => [n.id, n]));
      return cards.map((c) => ({
        id: c.id,
        type: 'card' as const,
        position: (before.get(c.id)?.dragging && before.get(c.id)?.position) ||
          positions[c.id] || { x: 0, y: 0 },
        // The size React Flow measured stays with the card: a card without one counts as inside every
        // selection box (React Flow's rule for cards not measured yet), so a lasso would pick them all.
        measured: before.get(c.id)?.measured,
        selected: selection.includes(c.id),
        data: {
          id: c.id,
          type: c.type,
          row: c.row,
          selected: selection.includes(c.id),
          changed: changed.has(c.id),
          onContext,
        },
      }));
    });
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
        selectable: false,
        className: `edge-${cardState(c.row)}`,
      }));
  }, [cards, changed]);

  const onNodesChange = (changes: NodeChange<CardNode>[]) => {
    setNodes((ns) => applyNodeChanges(changes, ns));
    for (const ch of changes)
      if (ch.type === 'position' && ch.position && !ch.dragging) savePosition(ch.id, ch.position);
  };
  const selectionChanged = useCallback(
    ({ nodes: picked }: OnSelectionChangeParams) => onSelectionChange(picked.map((n) => n.id)),
    [onSelectionChange],
  );
  return (
    <div className="canvas" data-testid="canvas">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onNodeDragStop={(_, n) => savePosition(n.id, n.position)}
        onNodeClick={(e, n) => {
          // React Flow keeps a multi-selection when one of its cards is clicked; a plain click picks one.
          if (!e.shiftKey) onSelectionChange([n.id]);
          onCardClick(e.shiftKey);
        }}
        onSelectionChange={selectionChanged}
        multiSelectionKeyCode="Shift"
        selectionOnDrag
        selectionMode={SelectionMode.Partial}
        panOnDrag={PAN_BUTTONS}
        panOnScroll
        // Backspace must not take a card off the canvas; Shift is for adding to the selection.
        deleteKeyCode={null}
        selectionKeyCode={null}
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
