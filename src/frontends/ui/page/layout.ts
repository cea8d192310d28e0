/**
 * Where each card goes when the user has not moved it: managers in the top row, workers below,
 * grouped by type (one block per type, in rows of at most PER_ROW). Positions the user dragged are
 * kept in localStorage and win.
 */
export interface CardFacts {
  id: string;
  manager: boolean;
  type: string;
}

export type Positions = Record<string, { x: number; y: number }>;

export const CARD_W = 190;
export const CARD_H = 150;
const GAP_X = 24;
const GAP_Y = 40;
const PER_ROW = 8;
const STORAGE_KEY = 'fleet-ui-layout';

export function autoLayout(cards: CardFacts[]): Positions {
  const out: Positions = {};
  const place = (list: CardFacts[], top: number): number => {
    list.forEach((c, i) => {
      out[c.id] = {
        x: (i % PER_ROW) * (CARD_W + GAP_X),
        y: top + Math.floor(i / PER_ROW) * (CARD_H + GAP_Y),
      };
    });
    return top + Math.ceil(list.length / PER_ROW) * (CARD_H + GAP_Y);
  };
  let top = place(
    cards.filter((c) => c.manager),
    0,
  );
  const workers = cards.filter((c) => !c.manager);
  const types = [...new Set(workers.map((c) => c.type))].sort();
  for (const type of types)
    top = place(
      workers.filter((c) => c.type === type),
      top + 20,
    );
  return out;
}

export function savedPositions(): Positions {
  try {
    return JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') as Positions;
  } catch {
    return {};
  }
}

export function savePosition(id: string, pos: { x: number; y: number }): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify({ ...savedPositions(), [id]: pos }));
}

export function forgetPositions(): void {
  localStorage.removeItem(STORAGE_KEY);
}
