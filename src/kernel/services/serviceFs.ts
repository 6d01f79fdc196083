import type { LedgerEntry } from '../sab/layout';
import { fail, ok, type Reply, type ServiceDef, type Value } from './service';

/**
 * service-fs, the WORM ledger as a service (seed 000: "append capability is granted to Ring 1 ingest services;
 * no read-modify-write capability exists at the API surface"). Two interfaces, minted by boot wiring from the
 * policy file: LedgerAppend (append) for ingest processes, each object labelled with its source, and LedgerRead
 * (size, read, tail) for auditors. Nothing modifies or deletes: no interface has such a method, and asking for
 * one is refused with EWORM saying so. The service holds no ledger of its own: it appends through what the
 * kernel lends it (ctx.ledger), which writes the caller's text as the 'appended' kind, authored by the caller, and
 * reads through it only while answering a LedgerRead call.
 */

const SOURCE = /^[A-Za-z][A-Za-z0-9_.-]{0,39}$/;
const TAIL_DEFAULT = 10;

/** What is wrong with a LedgerAppend's source label, or null. */
function sourceProblem(source: unknown): string | null {
  if (source === undefined) return 'it is missing';
  if (typeof source !== 'string') return `it is a ${typeof source}, not a name`;
  if (source.length > 40) return `it is ${source.length} characters; at most 40`;
  if (!SOURCE.test(source)) return `${JSON.stringify(source.slice(0, 40))} is not a name (a letter, then letters, digits, "_", "-" or ".")`;
  return null;
}

/** Every verb that would change a record: a method with any of them among its words is refused (EWORM), never "no such method". */
const MUTATORS = [
  'modify',
  'delete',
  'update',
  'write',
  'truncate',
  'remove',
  'erase',
  'overwrite',
  'replace',
  'edit',
  'rewrite',
  'amend',
  'redact',
  'set',
  'put',
  'patch',
  'clear',
  'purge',
  'drop',
  'unlink',
  'rm',
  'del',
  'rollback',
  'undo',
  'reset',
  'compact',
  'rename',
  'move',
  'insert',
  'prepend',
  'splice',
  'wipe',
  'destroy',
  'expunge',
  'prune',
  'forget',
  'trim',
  'pop',
  'tamper',
] as const;

/** A record as an auditor reads it: whose word it is (the kernel's, or a process's appended text) and its fields. */
function view(e: LedgerEntry): Value {
  return {
    seq: e.seq,
    time: e.time,
    kind: e.kind,
    actor: e.actor,
    by: e.kind === 'appended' ? 'process' : 'kernel',
    detail: e.detail,
  };
}

const count = (v: Value | undefined, fallback: number, max: number): number | null => {
  if (v === undefined) return fallback;
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= max ? v : null;
};

export const serviceFs: ServiceDef<null> = {
  promise: 'storage',
  // A bare facet of the endpoint reaches nothing: appending and reading take an object the policy file granted.
  legacyIface: 'Ledger',
  interfaces: { Ledger: [], LedgerAppend: ['append'], LedgerRead: ['size', 'read', 'tail'] },
  access: { append: 'write', size: 'meta', read: 'read', tail: 'read' },
  worm: {
    append: 'LedgerAppend',
    read: 'LedgerRead',
    refuse: MUTATORS,
    code: 'EWORM',
    why: 'service-fs is append-only (WORM, seed 000): no interface can modify or delete a record',
  },
  init: () => null,

  create(_ctx, _s, iface, args) {
    if (iface === 'LedgerAppend') {
      const problem = sourceProblem(args.source);
      if (problem) return { error: `a LedgerAppend's "source" argument names what appends (e.g. "sensor-1"): ${problem}` };
      const source = String(args.source);
      return { label: `LedgerAppend ${source}`, data: null };
    }
    if (iface === 'LedgerRead') return { label: 'LedgerRead', data: null };
    return { error: `service-fs has no interface ${iface} to mint (LedgerAppend or LedgerRead)` };
  },

  handle(ctx, _s, req): Reply {
    const ledger = ctx.ledger!;
    const [a, b] = req.args;
    if (req.method === 'append') {
      if (req.args.length !== 1) return fail('append(text): one argument, the text to append', 'EINVAL');
      const r = ledger.append(req.ticket, a);
      return r.ok ? ok({ seq: r.seq }) : fail(r.error, r.code);
    }
    // The kernel lends reads only to answer a LedgerRead call (a size of null: this is not one).
    const size = ledger.size(req.ticket);
    if (size === null) return fail(`${req.method}: only a call through a LedgerRead object reads the ledger`, 'EIFACE');
    switch (req.method) {
      case 'size':
        return ok(size);
      case 'read': {
        const from = count(a, 1, Number.MAX_SAFE_INTEGER);
        const n = count(b, TAIL_DEFAULT, 100);
        if (from === null || n === null) return fail('read(from, count): a record number from 1, and a count from 1 to 100', 'EINVAL');
        return ok(ledger.read(req.ticket, from, n)!.map(view));
      }
      case 'tail': {
        const n = count(a, TAIL_DEFAULT, 100);
        if (n === null) return fail('tail(count): a count from 1 to 100', 'EINVAL');
        return ok(ledger.read(req.ticket, Math.max(1, size - n + 1), n)!.map(view));
      }
    }
    return fail(`no method ${req.method}`, 'ENOMETHOD');
  },
};
