import type { LedgerFacts } from '../sab/layout';

/**
 * A record's facts (record format 2): its structured fields, and their one canonical spelling — the JSON of the
 * object with its keys sorted and no spaces, as JSON.stringify writes it. That text is what the chain hashes,
 * what a sealed segment stores and what an export carries. A key is an identifier (a letter or "_", then
 * letters, digits or "_": never integer-like, which JSON.stringify would move to the front, nor __proto__); a
 * value is a string or a finite number.
 */

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What is wrong with `v` as facts, or null. For untrusted input (an imported export); never throws. */
export function factsProblem(v: unknown): string | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'should be an object';
  const keys = Object.keys(v);
  if (keys.length === 0) return 'is empty (a record without facts has no "facts" field)';
  for (const k of keys) {
    if (!KEY.test(k) || k === '__proto__') return `has the key ${JSON.stringify(k)}, which is not an identifier`;
    const x = (v as Record<string, unknown>)[k];
    if (typeof x === 'number' ? !Number.isFinite(x) : typeof x !== 'string')
      return `"${k}" should be a string or a finite number, found ${x === null ? 'null' : typeof x}`;
  }
  return null;
}

/** Key lists seen lately and their sorted, checked order: the kernel writes a few shapes of facts, over and over. */
const SHAPES: { keys: string[]; sorted: string[] }[] = [];
const MAX_SHAPES = 32;

/** Keys sorted, and checked, once per shape (the same keys in the same order: the same answer). */
function sortedKeys(keys: string[]): string[] {
  search: for (let s = 0; s < SHAPES.length; s++) {
    const known = SHAPES[s].keys;
    if (known.length !== keys.length) continue;
    for (let i = 0; i < keys.length; i++) if (known[i] !== keys[i]) continue search;
    return SHAPES[s].sorted;
  }
  for (const k of keys)
    if (!KEY.test(k) || k === '__proto__')
      throw new RangeError(`ledger facts have the key ${JSON.stringify(k)}, which is not an identifier`);
  const sorted = keys.slice().sort();
  if (SHAPES.length >= MAX_SHAPES) SHAPES.pop();
  SHAPES.unshift({ keys, sorted });
  return sorted;
}

/**
 * The facts as a record keeps them: keys sorted, -0 as 0, frozen (a copy: the caller's object stays its own).
 * Undefined when there are none. Throws for facts the ledger cannot store: a kernel bug, never input.
 */
export function sealFacts(facts: LedgerFacts | undefined): LedgerFacts | undefined {
  if (facts === undefined) return undefined;
  const keys = Object.keys(facts);
  if (keys.length === 0) return undefined;
  const out: Record<string, string | number> = {};
  for (const k of sortedKeys(keys)) {
    const x = facts[k];
    if (typeof x === 'number') {
      if (!Number.isFinite(x)) throw new RangeError(`ledger facts: "${k}" should be a finite number, found ${x}`);
      out[k] = x + 0;
    } else if (typeof x === 'string') out[k] = x;
    else throw new RangeError(`ledger facts: "${k}" should be a string or a finite number, found ${x === null ? 'null' : typeof x}`);
  }
  return Object.freeze(out);
}

/** The canonical text of facts already sealed (or parsed back from canonical text): "" when there are none. */
export function factsText(facts: LedgerFacts | undefined): string {
  return facts === undefined ? '' : JSON.stringify(facts);
}

/** Facts read back from their canonical text ("" for none). */
export function parseFacts(text: string): LedgerFacts | undefined {
  return text === '' ? undefined : Object.freeze(JSON.parse(text) as Record<string, string | number>);
}
