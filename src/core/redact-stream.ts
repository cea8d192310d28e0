/**
 * `redact` for a byte stream that must otherwise stay byte-exact (`--outdir` files): bytes are
 * handled as latin1 (one char per byte, so anything that is not a secret round-trips unchanged),
 * and the last few hundred bytes are held back until the next chunk, so a secret or join token
 * split across two chunks is still found. Memory stays bounded: a "token" longer than the hold-back
 * limit is passed through redacted as far as it got.
 */
import { redactionRules } from './redact.js';

const WINDOW = 256;
const MAX_HOLD = 64 * 1024;

export class StreamRedactor {
  private carry = '';
  private readonly secrets: string[];
  private readonly patterns: RegExp[];
  private readonly mask: string;
  private readonly window: number;

  constructor() {
    const rules = redactionRules();
    // Secrets are text; the stream is bytes seen as latin1, so compare their UTF-8 bytes.
    this.secrets = rules.secrets.map((s) => Buffer.from(s, 'utf8').toString('latin1'));
    this.patterns = rules.patterns.map((p) => new RegExp(p.source, p.flags));
    this.mask = rules.mask;
    this.window = Math.max(WINDOW, ...this.secrets.map((s) => s.length));
  }

  /** Returns the bytes that are safe to write now. */
  push(chunk: Buffer): Buffer {
    const text = this.carry + chunk.toString('latin1');
    if (text.length <= this.window) {
      this.carry = text;
      return Buffer.alloc(0);
    }
    let cut = text.length - this.window;
    for (const p of this.patterns) {
      p.lastIndex = 0;
      for (const m of text.matchAll(p)) {
        if (m.index < cut && m.index + m[0].length >= cut) cut = m.index;
      }
    }
    for (const s of this.secrets) {
      const at = text.indexOf(s, Math.max(0, cut - s.length + 1));
      if (at !== -1 && at < cut) cut = at;
    }
    if (text.length - cut > MAX_HOLD) cut = text.length - this.window;
    this.carry = text.slice(cut);
    return Buffer.from(this.replace(text.slice(0, cut)), 'latin1');
  }

  end(): Buffer {
    const rest = this.replace(this.carry);
    this.carry = '';
    return Buffer.from(rest, 'latin1');
  }

  private replace(text: string): string {
    let out = text;
    for (const p of this.patterns) out = out.replace(p, this.mask);
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join(this.mask);
    return out;
  }
}
