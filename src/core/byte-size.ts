/** Sizes given by users (`--max-output 4M`): a number with an optional binary unit. */
const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/**
 * "1048576", "512K", "1M", "1MiB", "1.5mb", "2G" → bytes (K/M/G are powers of 1024, with or without
 * "B"/"iB"). undefined when the text is not a size.
 */
export function parseByteSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?\s*$/i.exec(text);
  if (!m) return undefined;
  const bytes = Number(m[1]) * (UNITS[(m[2] ?? '').toLowerCase()] ?? 1);
  return Number.isSafeInteger(Math.floor(bytes)) ? Math.floor(bytes) : undefined;
}
