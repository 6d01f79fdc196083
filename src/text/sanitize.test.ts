import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { plainText, sanitize, toTerminal } from './sanitize';

/** Anything a terminal could act on: C0 except '\n', DEL, C1; and bidi overrides and isolates, which reorder text. */
const UNSAFE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

describe('sanitize', () => {
  it('leaves plain text alone', () => {
    expect(sanitize('hello, world: 42 [ok] ~/a_b-c')).toBe('hello, world: 42 [ok] ~/a_b-c');
  });

  it('removes CSI colour and cursor sequences with their parameters', () => {
    expect(sanitize('\x1b[31mred\x1b[0m plain')).toBe('red plain');
    expect(sanitize('\x1b[1;38;5;208mX\x1b[38;2;1;2;3mY')).toBe('XY');
    expect(sanitize('a\x1b[2J\x1b[Hb\x1b[?1049hc\x1b[6n')).toBe('abc');
  });

  it('removes an OSC 52 clipboard write terminated by BEL, payload included', () => {
    expect(sanitize('a\x1b]52;c;aGVsbG8=\x07b')).toBe('ab');
  });

  it('removes an OSC 52 clipboard write terminated by ESC \\', () => {
    expect(sanitize('a\x1b]52;c;aGVsbG8=\x1b\\b')).toBe('ab');
  });

  it('removes an unterminated OSC 52 through the end of the text', () => {
    const out = sanitize('before\x1b]52;c;aGVsbG8=');
    expect(out).toBe('before');
    expect(out).not.toContain('aGVsbG8');
  });

  it('removes other OSC strings: titles and hyperlinks', () => {
    expect(sanitize('\x1b]0;pwned\x07title')).toBe('title');
    expect(sanitize('\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07')).toBe('click');
  });

  it('removes 8-bit C1 CSI and OSC sequences and other C1 controls', () => {
    expect(sanitize('\u009b31mX\u009b0m')).toBe('X');
    expect(sanitize('\u009d52;c;aGVsbG8=\u0007Y')).toBe('Y');
    expect(sanitize('\u009d52;c;aGVsbG8=\u009cY')).toBe('Y');
    expect(sanitize('\u009d52;c;aGVsbG8=')).toBe('');
    expect(sanitize('a\u0085b\u0084c')).toBe('abc');
    expect(sanitize('a\u009fhidden')).toBe('a'); // 8-bit APC: an unterminated string swallows the rest
  });

  it('removes DCS, SOS, PM and APC strings', () => {
    expect(sanitize('\x1bPq#0;2;0;0;0#0~~\x1b\\ok')).toBe('ok');
    expect(sanitize('1\x1bXsos\x1b\\2\x1b^pm\x1b\\3\x1b_apc\x1b\\4')).toBe('1234');
    expect(sanitize('\u0090dcs\u009cok')).toBe('ok');
  });

  it('removes two-byte and nF escape sequences whole', () => {
    expect(sanitize('a\x1bcb')).toBe('ab'); // RIS, full reset
    expect(sanitize('a\x1b7b\x1b8c\x1bMd')).toBe('abcd');
    expect(sanitize('a\x1b(Bb\x1b#8c')).toBe('abc');
    expect(sanitize('a\x1bOPb')).toBe('ab'); // SS3 takes its one character
  });

  it('drops a lone or malformed ESC without eating the following text', () => {
    expect(sanitize('end\x1b')).toBe('end');
    expect(sanitize('\x1b日本')).toBe('日本');
    expect(sanitize('\x1b[31\x1b[0mok')).toBe('ok');
    expect(sanitize('\x1b[12\u00e9x')).toBe('\u00e9x');
  });

  it('strips BEL, BS, NUL, DEL and the other C0 controls', () => {
    expect(sanitize('a\x07b\x08c\x00d\x7fe')).toBe('abcde');
    expect(sanitize('\x01\x02\x03\x04\x05\x06\x0b\x0c\x0e\x0f\x10\x18\x1a\x1c\x1fz')).toBe('z');
  });

  it('normalises CRLF and lone CR to LF', () => {
    expect(sanitize('a\r\nb\rc\nd')).toBe('a\nb\nc\nd');
    expect(sanitize('\r\r\n')).toBe('\n\n');
    expect(sanitize('progress 10%\rprogress 100%')).toBe('progress 10%\nprogress 100%');
  });

  it('expands tabs to spaces up to the next 8-column stop', () => {
    expect(sanitize('a\tb')).toBe('a' + ' '.repeat(7) + 'b');
    expect(sanitize('\tx\nabcdefgh\ty')).toBe(' '.repeat(8) + 'x\nabcdefgh' + ' '.repeat(8) + 'y');
  });

  it('preserves unicode text: CJK, emoji, ZWJ sequences, accents', () => {
    const text = '日本語のテキスト 😀 👩‍💻 café ñ e\u0301 Ελληνικά ✓';
    expect(sanitize(text)).toBe(text);
  });

  it('finishes on 1 MB hostile inputs and leaves nothing a terminal could act on', () => {
    const MB = 1 << 20;
    const rand = mulberry32(7);
    const pieces = ['\x1b', '[', ']', 'P', '\\', '\x07', '\u009b', '\u009d', '\u009c', ';', '5'];
    pieces.push('a', '\r', '\n', '\t', '\x00', '\x7f', '\u0085', '😀');
    let random = '';
    while (random.length < MB) random += pieces[Math.floor(rand() * pieces.length)];

    const inputs = [
      random,
      'x\x1b['.repeat(MB / 3), // CSI openings that never finish
      '\x1b[' + '1;'.repeat(MB / 2), // one huge unterminated CSI
      '\x1b]52;c;' + 'QUFB'.repeat(MB / 4), // unterminated OSC 52 with a big payload
      '\x1b]'.repeat(MB / 2), // nested openings
      '\x1b'.repeat(MB),
      '\u009b'.repeat(MB / 2) + 'tail',
      '\r'.repeat(MB / 2) + '\r\n'.repeat(MB / 4),
    ];
    for (const input of inputs) {
      const out = sanitize(input);
      expect(UNSAFE.test(out)).toBe(false);
      expect(out.includes('\x1b')).toBe(false);
    }
    expect(sanitize(inputs[3])).toBe('');
  });

  it('never emits controls, for any input (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        const out = sanitize(s);
        expect(UNSAFE.test(out)).toBe(false);
        expect(sanitize(out)).toBe(out); // already-clean text passes through unchanged
      }),
    );
  });

  it('never emits controls for escape-heavy inputs (property)', () => {
    const piece = fc.constantFrom(
      ...['\x1b', '[', ']', 'P', '_', '^', 'X', '\\', '\x07', '\u009b', '\u009d', '\u009c', '\u0090'],
      ...[';', '1', 'm', 'a', '\r', '\n', '(', 'O', '\u202e', '\u2066', '\u2069', '\u202a'],
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (parts) => {
        const out = sanitize(parts.join(''));
        expect(UNSAFE.test(out)).toBe(false);
      }),
    );
  });
});

describe('bidi controls and plain text', () => {
  it('removes bidi overrides and isolates (Trojan Source), keeping the text around them', () => {
    const trojan = 'access \u202eLEVEL\u202c admin \u2066x\u2069 \u2067y\u2068z';
    expect(sanitize(trojan)).toBe('access LEVEL admin x yz');
    for (let c = 0x202a; c <= 0x202e; c++) expect(sanitize(`a${String.fromCharCode(c)}b`)).toBe('ab');
    for (let c = 0x2066; c <= 0x2069; c++) expect(sanitize(`a${String.fromCharCode(c)}b`)).toBe('ab');
    expect(sanitize('שלום עולם \u200f')).toBe('שלום עולם \u200f'); // right-to-left text and marks stay
  });

  it('plainText: one clean line for the page (names, banners, ledger details)', () => {
    expect(plainText('Chat\x1b[2J on \x07one\nmachine\u2028\u202e!')).toBe('Chat on one machine !');
    const clean = 'relabel blocked: Gate 0 refused';
    expect(plainText(clean)).toBe(clean);
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        expect(/[\n\u2028\u2029]/.test(plainText(s)) || UNSAFE.test(plainText(s))).toBe(false);
      }),
    );
  });
});

describe('toTerminal', () => {
  it('sanitizes and turns every newline into CRLF', () => {
    expect(toTerminal('a\nb\r\nc\rd')).toBe('a\r\nb\r\nc\r\nd');
    expect(toTerminal('\x1b[31merr\x1b[0m\n')).toBe('err\r\n');
    expect(toTerminal('x\x1b]52;c;aGVsbG8=\x07')).toBe('x');
  });
});

/** Small deterministic PRNG so the hostile input is the same on every run. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
