/** A small SVG line chart of the last samples (0..100). */
export function Sparkline({ values, label }: { values: (number | null)[]; label: string }) {
  const w = 220;
  const h = 40;
  const points = values
    .map((v, i) =>
      v === null ? null : `${(i * w) / Math.max(1, values.length - 1)},${h - (Math.min(100, v) * h) / 100}`,
    )
    .filter((p) => p !== null)
    .join(' ');
  const last = values.filter((v) => v !== null).at(-1);
  return (
    <div className="spark">
      <span>
        {label} {last == null ? '–' : Math.round(last)}
      </span>
      <svg width={w} height={h} viewBox={`0 0 ${w} ${h}`} role="img" aria-label={`${label} history`}>
        <polyline points={points} fill="none" stroke="currentColor" strokeWidth="1.5" />
      </svg>
    </div>
  );
}
