/**
 * The shell's lexer. Lines are untrusted: every rejection names what is wrong and the 1-based column where it
 * is, and nothing here can throw anything but a ShellSyntaxError.
 */

export type TokenType = 'word' | 'string' | 'ref' | 'punct';

export interface Token {
  type: TokenType;
  /** The word, the string's unescaped contents, the ref's name (without @), or the punctuation character. */
  value: string;
  /** 1-based column of the token's first character. */
  column: number;
}

export class ShellSyntaxError extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(`${message} (column ${column})`);
    this.name = 'ShellSyntaxError';
  }
}

export const MAX_LINE = 4096;
const WORD = /[A-Za-z0-9_.\-+/]/;
const PUNCT = new Set(['{', '}', ':', ',']);

export function tokenize(line: string): Token[] {
  if (line.length > MAX_LINE) throw new ShellSyntaxError(`line is ${line.length} characters long; the limit is ${MAX_LINE}`, MAX_LINE + 1);
  const tokens: Token[] = [];
  const braces: number[] = [];
  let i = 0;
  while (i < line.length) {
    const ch = line[i];
    const column = i + 1;
    const code = ch.charCodeAt(0);
    if (ch === ' ' || ch === '\t') {
      i++;
    } else if (code < 0x20 || code === 0x7f || (code >= 0x80 && code <= 0x9f)) {
      throw new ShellSyntaxError(`control character U+${code.toString(16).toUpperCase().padStart(4, '0')} is not allowed`, column);
    } else if (ch === '#') {
      break; // comment to end of line
    } else if (ch === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= line.length) throw new ShellSyntaxError('unterminated string: missing closing "', column);
        const c = line[j];
        if (c === '"') break;
        if (c === '\\') {
          const next = line[j + 1];
          if (next !== '"' && next !== '\\')
            throw new ShellSyntaxError(`unknown escape \\${next ?? ''} in string; only \\" and \\\\ are allowed`, j + 1);
          value += next;
          j += 2;
        } else {
          value += c;
          j++;
        }
      }
      tokens.push({ type: 'string', value, column });
      i = j + 1;
    } else if (ch === '@') {
      let j = i + 1;
      while (j < line.length && WORD.test(line[j])) j++;
      if (j === i + 1) throw new ShellSyntaxError('"@" must be followed by a cap name', column);
      tokens.push({ type: 'ref', value: line.slice(i + 1, j), column });
      i = j;
    } else if (PUNCT.has(ch)) {
      if (ch === '{') braces.push(column);
      if (ch === '}' && braces.pop() === undefined) throw new ShellSyntaxError('unbalanced "}": no "{" to close', column);
      tokens.push({ type: 'punct', value: ch, column });
      i++;
    } else if (WORD.test(ch)) {
      let j = i;
      while (j < line.length && WORD.test(line[j])) j++;
      tokens.push({ type: 'word', value: line.slice(i, j), column });
      i = j;
    } else {
      const cp = line.codePointAt(i)!;
      const shown = cp < 0x7f ? `"${ch}"` : `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
      throw new ShellSyntaxError(`unexpected character ${shown}`, column);
    }
  }
  if (braces.length) throw new ShellSyntaxError('unbalanced "{": missing "}"', braces[braces.length - 1]);
  return tokens;
}
