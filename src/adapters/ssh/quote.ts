/**
 * POSIX shell quoting. Every command fleet builds for a remote shell goes through here, so a value
 * can never break out of its word, whatever it contains.
 */

/** Quotes one word for a POSIX shell: 'it'\''s' style, which every sh, bash, dash and busybox accept. */
export function shQuote(value: string): string {
  if (value !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Quotes each word and joins them with spaces. */
export function shJoin(words: readonly string[]): string {
  return words.map(shQuote).join(' ');
}
