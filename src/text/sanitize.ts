/**
 * Make untrusted text (program output, scenario files, error messages) safe to hand to xterm.
 *
 * Anything that a terminal could interpret as a command is removed: C0 controls (except newline; tabs
 * become spaces), DEL, C1 controls, and whole escape sequences — CSI, OSC (which includes OSC 52
 * clipboard writes and OSC 8 hyperlinks), DCS/SOS/PM/APC strings and short ESC sequences. Removing only
 * the ESC byte would leave the sequence's payload visible, so the whole sequence goes.
 *
 * Bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) go too: they reorder how the rest of a
 * line reads ("Trojan Source"), so a name could show as something it is not.
 *
 * The output contains only printable characters and '\n', so it is safe however the input is crafted.
 * The scanner is a single left-to-right pass that never looks back, so it runs in linear time.
 */

const ESC = 0x1b;
const isBidiControl = (c: number) => (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
const BEL = 0x07;
const TAB_WIDTH = 8;

// 8-bit (C1) introducers: xterm acts on these like their ESC-prefixed 7-bit forms.
const C1_DCS = 0x90;
const C1_SOS = 0x98;
const C1_CSI = 0x9b;
const C1_ST = 0x9c;
const C1_OSC = 0x9d;
const C1_PM = 0x9e;
const C1_APC = 0x9f;

/** Skips a CSI body starting at `i` (just past `ESC [` or U+009B); returns the index after it. */
function skipCsi(s: string, i: number): number {
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c >= 0x40 && c <= 0x7e) return i + 1; // final byte ends the sequence
    if (c < 0x20 || c > 0x3f) return i; // not a parameter/intermediate byte: malformed, stop here and rescan
    i++;
  }
  return n; // unterminated: drop the rest
}

/**
 * Skips a control-string body (OSC, DCS, SOS, PM, APC) starting at `i`; returns the index after it.
 * Terminators: BEL, ST (`ESC \` or U+009C). Any other ESC aborts the string, as in xterm, and is left for
 * the main loop to treat as the start of a new sequence. Unterminated strings swallow the rest of the input,
 * so a truncated OSC 52 payload can never leak through as text.
 */
function skipString(s: string, i: number): number {
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === BEL || c === C1_ST) return i + 1;
    if (c === ESC) return s.charCodeAt(i + 1) === 0x5c /* \ */ ? i + 2 : i;
    i++;
  }
  return n;
}

/** Skips what follows a 7-bit ESC at `i` (the index just past the ESC); returns the index after the sequence. */
function skipEscape(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (Number.isNaN(c)) return i; // lone ESC at the end
  if (c === 0x5b /* [ */) return skipCsi(s, i + 1);
  if (c === 0x5d /* ] */ || c === 0x50 /* P */ || c === 0x58 /* X */ || c === 0x5e /* ^ */ || c === 0x5f /* _ */) {
    return skipString(s, i + 1);
  }
  // nF sequences: intermediates 0x20–0x2F then one final byte (e.g. `ESC ( B`, `ESC # 8`).
  let j = i;
  while (j < s.length && s.charCodeAt(j) >= 0x20 && s.charCodeAt(j) <= 0x2f) j++;
  const f = s.charCodeAt(j);
  if (f >= 0x30 && f <= 0x7e) {
    // SS2/SS3 (`ESC N`, `ESC O`) select the glyph of the one character after them; take it too.
    if (j === i && (f === 0x4e || f === 0x4f)) {
      const g = s.charCodeAt(j + 1);
      if (g >= 0x20 && g <= 0x7e) return j + 2;
    }
    return j + 1; // two-byte sequences like `ESC c` (full reset), `ESC 7`, `ESC M`
  }
  return j; // malformed: drop ESC and intermediates, rescan from the odd byte
}

export function sanitize(text: string): string {
  const s = String(text);
  const n = s.length;
  const out: string[] = [];
  let runStart = 0; // start of the pending run of safe characters, copied in one slice
  let column = 0; // approximate column since the last newline, only used to expand tabs

  for (let i = 0; i < n;) {
    const c = s.charCodeAt(i);
    const printable = (c >= 0x20 && c < 0x7f) || (c > 0x9f && !isBidiControl(c));
    if (printable) {
      // Low surrogates share a cell with their high surrogate; count each code point once.
      if (c < 0xdc00 || c > 0xdfff) column++;
      i++;
      continue;
    }

    if (runStart < i) out.push(s.slice(runStart, i));
    let next = i + 1;
    if (c === 0x0a) {
      out.push('\n');
      column = 0;
    } else if (c === 0x0d) {
      // CRLF and lone CR both become one newline.
      if (s.charCodeAt(i + 1) === 0x0a) next = i + 2;
      out.push('\n');
      column = 0;
    } else if (c === 0x09) {
      const spaces = TAB_WIDTH - (column % TAB_WIDTH);
      out.push(' '.repeat(spaces));
      column += spaces;
    } else if (c === ESC) {
      next = skipEscape(s, i + 1);
    } else if (c === C1_CSI) {
      next = skipCsi(s, i + 1);
    } else if (c === C1_OSC || c === C1_DCS || c === C1_SOS || c === C1_PM || c === C1_APC) {
      next = skipString(s, i + 1);
    }
    // Everything else (other C0 controls, DEL, other C1 controls, bidi controls) is dropped.
    i = next;
    runStart = next;
  }
  if (runStart < n) out.push(s.slice(runStart));
  return out.join('');
}

/** Sanitizes, then turns each '\n' into '\r\n' because the terminal runs with `convertEol: false`. */
export function toTerminal(text: string): string {
  return sanitize(text).replace(/\n/g, '\r\n');
}

/** Anything sanitize would change (a cheap test first: most text has none). */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/**
 * Untrusted text for one line of the page (a scenario's name, a ledger detail, a banner): sanitized, with line
 * breaks as spaces. React escapes markup, but control and bidi characters would still reach the screen.
 */
export function plainText(text: string): string {
  const s = String(text);
  return UNSAFE.test(s) ? sanitize(s).replace(/[\n\u2028\u2029]/g, ' ') : s;
}
