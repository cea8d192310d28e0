/** A yes/no dialog: the page's own confirmations and the questions an operation asks (web asker). */
export interface Confirmation {
  title: string;
  details?: string[];
  yes: string;
  onAnswer: (yes: boolean) => void;
  /** data-testid of the dialog (the page's own confirmations: confirm-dialog). */
  testId?: string;
}

export function ConfirmDialog({ c }: { c: Confirmation }) {
  return (
    <div className="dialog-backdrop">
      <div className="dialog" role="dialog" aria-label={c.title} data-testid={c.testId ?? 'confirm-dialog'}>
        <h3>{c.title}</h3>
        {c.details?.length ? (
          <ul>
            {c.details.map((d) => (
              <li key={d}>{d}</li>
            ))}
          </ul>
        ) : null}
        <div className="dialog-buttons">
          <button data-testid="confirm-no" onClick={() => c.onAnswer(false)}>
            Cancel
          </button>
          <button className="danger" data-testid="confirm-yes" onClick={() => c.onAnswer(true)} autoFocus>
            {c.yes}
          </button>
        </div>
      </div>
    </div>
  );
}
