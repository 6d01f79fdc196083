import type { GrantSpec } from '../programs/abi';
import { ShellSyntaxError, type Token } from './tokenize';

/**
 * `run "prog" [with { name: source, ... }]` and `spawn …`, where a source is `@cap` (copy), `move @cap`,
 * `client @cap`, or the legacy `client @cap badge N`. Errors name what was expected and the column.
 */
export interface LaunchCommand {
  program: string;
  programColumn: number;
  /** Words after the program name inside the quotes: `run "cat /etc/hosts"`. */
  argv: string[];
  /** `pledge "stdio net"` and `unveil "/home/docs r, /tmp rwc"` clauses, with where they start. */
  pledge?: { text: string; column: number };
  unveil?: { text: string; column: number };
  grants: GrantSpec[];
}

const MAX_GRANTS = 32;

export function parseLaunch(verb: string, tokens: Token[], line: string): LaunchCommand {
  let i = 0;
  const peek = () => tokens[i];
  const end = line.length + 1;
  const expect = (what: string): never => {
    const t = peek();
    throw new ShellSyntaxError(
      t ? `${verb}: expected ${what}, found ${JSON.stringify(t.value)}` : `${verb}: expected ${what} at the end of the line`,
      t?.column ?? end,
    );
  };
  const prog = peek();
  if (!prog || prog.type !== 'string') expect('a program name in quotes, e.g. "chat-client"');
  i++;
  const words = prog.value.trim().split(/\s+/).filter(Boolean);
  if (!words.length) throw new ShellSyntaxError(`${verb}: the program name is empty`, prog.column);
  const clauses: { pledge?: { text: string; column: number }; unveil?: { text: string; column: number } } = {};
  while (peek()?.type === 'word' && (peek().value === 'pledge' || peek().value === 'unveil')) {
    const kw = peek().value as 'pledge' | 'unveil';
    if (clauses[kw]) throw new ShellSyntaxError(`${verb}: ${kw} given twice`, peek().column);
    i++;
    const arg = peek();
    if (!arg || arg.type !== 'string')
      expect(
        kw === 'pledge'
          ? 'promises in quotes after pledge, e.g. pledge "stdio net"'
          : 'paths in quotes after unveil, e.g. unveil "/home/docs r"',
      );
    clauses[kw] = { text: arg.value, column: arg.column };
    i++;
  }
  const grants: GrantSpec[] = [];
  if (peek()) {
    const w = peek();
    if (w.type !== 'word' || w.value !== 'with') expect('pledge "…", unveil "…", "with { … }" or nothing');
    i++;
    if (peek()?.value !== '{' || peek()?.type !== 'punct') expect('"{" after with');
    i++;
    while (peek() && !(peek().type === 'punct' && peek().value === '}')) {
      if (grants.length >= MAX_GRANTS) throw new ShellSyntaxError(`${verb}: at most ${MAX_GRANTS} grants`, peek().column);
      const name = peek();
      if (name.type !== 'word' || !/^[A-Za-z][A-Za-z0-9_.-]{0,39}$/.test(name.value)) expect('a grant name (the child’s name for the cap)');
      i++;
      if (peek()?.type !== 'punct' || peek()?.value !== ':') expect(`":" after the grant name ${name.value}`);
      i++;
      let mode: GrantSpec['mode'] = 'copy';
      if (peek()?.type === 'word' && (peek().value === 'client' || peek().value === 'move')) {
        mode = peek().value as 'client' | 'move';
        i++;
      }
      const ref = peek();
      if (!ref || ref.type !== 'ref')
        expect(mode === 'copy' ? 'a cap (@name), "client @name" or "move @name"' : `a cap (@name) after ${mode}`);
      i++;
      let badge: number | undefined;
      if (peek()?.type === 'word' && peek().value === 'badge') {
        const at = peek().column;
        if (mode !== 'client')
          throw new ShellSyntaxError(`${verb}: only a client facet takes a badge ("client @${ref.value} badge N")`, at);
        i++;
        const n = peek();
        if (!n || n.type !== 'word' || !/^\d{1,10}$/.test(n.value) || Number(n.value) > 0x7fffffff)
          expect('a badge number (0 to 2147483647)');
        badge = Number(n.value);
        i++;
      }
      const last = tokens[i - 1];
      const text = line.slice(name.column - 1, last.column - 1 + (last.type === 'ref' ? last.value.length + 1 : last.value.length));
      grants.push({ name: name.value, from: ref.value, mode, badge, column: name.column, text });
      if (peek()?.type === 'punct' && peek().value === ',') i++;
      else if (!(peek()?.type === 'punct' && peek()?.value === '}')) expect('"," or "}"');
    }
    if (!peek()) expect('"}"');
    i++;
    if (peek()) expect('the end of the line after "}"');
  }
  return { program: words[0], programColumn: prog.column, argv: words.slice(1), ...clauses, grants };
}
