/**
 * The live view owns the bottom of the terminal while it renders: it redraws its frame in place
 * several times a second. Anything that asks the user a question (yes/no, a passphrase) borrows the
 * terminal through withTerminal: the view takes its frame off the screen and stops drawing, the
 * question is asked, and the view draws again below the answer. Without a live view (plain,
 * --json, no terminal) withTerminal just runs the question.
 */

/**
 * Stops the live rendering; the returned function resumes it. Resuming is awaited before the answer
 * reaches the caller: a renderer still starting when the run ends would keep drawing (and the
 * process alive) after its list finished.
 */
export type Suspend = () => Promise<() => Promise<void>>;

let owner: Suspend | undefined;

/** The tty view registers itself while it renders; returns the unregister function. */
export function setTerminalOwner(suspend: Suspend): () => void {
  owner = suspend;
  return () => {
    if (owner === suspend) owner = undefined;
  };
}

export async function withTerminal<T>(ask: () => Promise<T>): Promise<T> {
  const resume = owner ? await owner() : undefined;
  try {
    return await ask();
  } finally {
    await resume?.();
  }
}
