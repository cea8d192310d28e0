/** A labelled bar 0..max (percent by default); empty when the value is unknown. */
export function MiniBar({
  label,
  value,
  max = 100,
  unit = '%',
}: {
  label: string;
  value: number | null;
  max?: number;
  unit?: string;
}) {
  const width = value === null ? 0 : Math.max(0, Math.min(100, (100 * value) / max));
  const level = width > 85 ? 'high' : width > 60 ? 'mid' : 'low';
  return (
    <div className="bar" title={`${label} ${value === null ? 'unknown' : `${Math.round(value)}${unit}`}`}>
      <span className="bar-label">{label}</span>
      <span className="bar-track">
        <span className={`bar-fill ${level}`} style={{ width: `${width}%` }} />
      </span>
      <span className="bar-value">{value === null ? '–' : `${Math.round(value)}${unit}`}</span>
    </div>
  );
}
