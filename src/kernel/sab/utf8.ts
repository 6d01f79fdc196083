/**
 * UTF-8 without TextEncoder/TextDecoder: the kernel is built without the DOM lib, and TextDecoder also refuses
 * views of a SharedArrayBuffer. Strings here are short (names, one ledger line), so a plain loop is enough.
 */

/** Write `s` into `out` at `at`, at most `max` bytes, never splitting a character. Returns bytes written. */
export function encodeUtf8Into(s: string, out: Uint8Array, at: number, max: number): number {
  let n = 0;
  for (const ch of s) {
    let cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd; // lone surrogate
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (n + size > max) break;
    const i = at + n;
    if (size === 1) out[i] = cp;
    else if (size === 2) {
      out[i] = 0xc0 | (cp >> 6);
      out[i + 1] = 0x80 | (cp & 63);
    } else if (size === 3) {
      out[i] = 0xe0 | (cp >> 12);
      out[i + 1] = 0x80 | ((cp >> 6) & 63);
      out[i + 2] = 0x80 | (cp & 63);
    } else {
      out[i] = 0xf0 | (cp >> 18);
      out[i + 1] = 0x80 | ((cp >> 12) & 63);
      out[i + 2] = 0x80 | ((cp >> 6) & 63);
      out[i + 3] = 0x80 | (cp & 63);
    }
    n += size;
  }
  return n;
}

export function utf8Length(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

export function decodeUtf8(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    let cp: number;
    let size: number;
    if (b < 0x80) [cp, size] = [b, 1];
    else if (b >> 5 === 6) [cp, size] = [b & 31, 2];
    else if (b >> 4 === 14) [cp, size] = [b & 15, 3];
    else if (b >> 3 === 30) [cp, size] = [b & 7, 4];
    else [cp, size] = [0xfffd, 1];
    if (i + size > bytes.length) {
      s += '\ufffd';
      break;
    }
    for (let k = 1; k < size; k++) cp = (cp << 6) | (bytes[i + k] & 63);
    s += String.fromCodePoint(cp > 0x10ffff ? 0xfffd : cp);
    i += size;
  }
  return s;
}
