// gzip-compressed text files in the page: the same rule as the command line's reader (gzip is
// recognised by its first two bytes, src/data/text.ts's isGzip), decompressed with the browser's
// DecompressionStream instead of node:zlib. A truncated or damaged file is one message; a file that
// decompresses to more than the page can hold is refused before it fills the tab's memory.

import { isGzip, UserError } from '../src/core.ts';

/** The most a dropped file may decompress to (the page keeps the text, its ids and a model in one tab). */
export const MAX_TEXT_BYTES = 256 * 2 ** 20;

/** `bytes` unchanged, or what they decompress to when they start like gzip; `what` names them in errors. */
export async function gunzipInBrowser(bytes: Uint8Array<ArrayBuffer>, what: string, limit = MAX_TEXT_BYTES): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) {
        await reader.cancel();
        throw new UserError(
          `${what} decompresses to more than ${limit / 2 ** 20} MB, more than the page holds; train on it with the command line (rnn train --data)`,
        );
      }
      parts.push(value);
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    // Chromium says "Compressed input was truncated." or "The compressed data was not valid." here
    const detail = err instanceof Error ? err.message.replace(/\.$/, '') : String(err);
    throw new UserError(`${what} starts like a gzip file but cannot be decompressed: ${detail}`);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
