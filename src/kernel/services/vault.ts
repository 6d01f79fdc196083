import { fail, ok, type ServiceDef } from './service';

/**
 * The Totebox vault (seeds 000 and 001): records at rest. Reached from other machines through an import, whose
 * pairing type decides what crosses: names and counts (INTERFACE), contents (USER), writes (INPUT), migration and
 * key management (ADMIN). Telemetry from downstream lands in its own log, already sanitised by the kernel.
 */
interface Vault {
  records: Map<string, string>;
  telemetry: string[];
  migrations: number;
}

const NAME_RE = /^[A-Za-z0-9_.-]{1,40}$/;

export const vaultService: ServiceDef<Vault> = {
  promise: 'net',
  legacyIface: 'Records',
  interfaces: { Records: ['names', 'count', 'read', 'write', 'migrate', 'telemetry'] },
  access: { names: 'meta', count: 'meta', read: 'read', write: 'write', migrate: 'admin', telemetry: 'telemetry' },
  /** records: "name=content;name=content" */
  init(args) {
    const records = new Map<string, string>();
    for (const pair of String(args.records ?? '').split(';')) {
      const at = pair.indexOf('=');
      if (at > 0) records.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
    return { records, telemetry: [], migrations: 0 };
  },
  create: (_ctx, _s, iface) => (iface === 'Records' ? { label: 'Records', data: null } : { error: `the vault has no interface ${iface}` }),
  handle(_ctx, v, req) {
    const [a, b] = req.args;
    switch (req.method) {
      case 'names':
        return ok([...v.records.keys()].sort());
      case 'count':
        return ok(v.records.size);
      case 'read': {
        const content = v.records.get(String(a));
        return content === undefined ? fail(`no record named ${JSON.stringify(String(a))}`, 'ENOENT') : ok(content);
      }
      case 'write': {
        const name = String(a ?? '');
        if (!NAME_RE.test(name)) return fail('write(name, content): a record name is 1–40 letters, digits, "_", "-" or "."', 'EINVAL');
        if (v.records.size >= 256 && !v.records.has(name)) return fail('the vault holds at most 256 records', 'ECAPACITY');
        v.records.set(name, String(b ?? '').slice(0, 400));
        return ok(`wrote ${name}`);
      }
      case 'migrate':
        v.migrations++;
        return ok(`migration ${v.migrations} staged: ${v.records.size} records sealed for transfer`);
      case 'telemetry':
        v.telemetry.push(String(a ?? ''));
        if (v.telemetry.length > 64) v.telemetry.shift();
        return ok(v.telemetry.length);
    }
    return fail(`no method ${req.method}`, 'ENOMETHOD');
  },
};
