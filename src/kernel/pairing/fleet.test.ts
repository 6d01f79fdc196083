import { describe, expect, it } from 'vitest';
import pointsav from '../../content/scenarios/pointsav.json';
import { KernelHost } from '../host';
import { CAP, CAP_FLAG, CAP_KINDS, Frame, readFrame } from '../sab/layout';
import { PAIRING_TYPES } from './fleet';

const SCENARIO = JSON.stringify(pointsav);

/** The PointSav fleet; `adminConsole`: its policy lets the console pair with the Totebox as ADMIN. */
function fleet(seed?: number, adminConsole = false) {
  const h = new KernelHost(undefined, false);
  const s = structuredClone(pointsav);
  if (adminConsole) s.pairings.push({ a: 'console', b: 'totebox', type: 'ADMIN', boot: false } as never);
  const r = h.boot(adminConsole ? JSON.stringify(s) : SCENARIO, seed);
  if (!r.ok) throw new Error(r.errors.join('\n'));
  const run = (line: string) => h.exec(line).lines;
  const text = (line: string) =>
    run(line)
      .map((l) => l.text)
      .join('\n');
  const failed = (line: string) => run(line).some((l) => l.style === 'error');
  const last = (kind: string, back = 1) =>
    h.kernel.ledger
      .last(400)
      .filter((e) => e.kind === kind)
      .at(-back)?.detail ?? '';
  return { h, k: h.kernel, run, text, failed, last };
}

describe('pairing types attenuate every import', () => {
  const expected: Record<string, Record<string, boolean>> = {
    ADMIN: { names: true, count: true, read: true, write: true, migrate: true },
    INPUT: { names: true, count: true, read: true, write: true, migrate: false },
    USER: { names: true, count: true, read: true, write: false, migrate: false },
    INTERFACE: { names: true, count: true, read: false, write: false, migrate: false },
  };
  it.each(PAIRING_TYPES)('%s', (type) => {
    const f = fleet(undefined, type === 'ADMIN');
    expect(f.text(`pair totebox as ${type}`)).toMatch(new RegExp(`paired console ↔ totebox as ${type}`));
    expect(f.failed('import totebox vault')).toBe(false);
    const calls: Record<string, string> = {
      names: 'names',
      count: 'count',
      read: 'read passport.pdf',
      write: 'write memo.txt "hello"',
      migrate: 'migrate',
    };
    for (const [method, line] of Object.entries(calls)) {
      const out = f.text(`call @vault ${line}`);
      expect(!out.startsWith('call:'), `${type} ${method}: ${out}`).toBe(expected[type][method]);
      if (!expected[type][method]) expect(out).toMatch(/EPERM: the \w+ pairing/);
    }
    // INTERFACE sees names and counts but never contents.
    if (type === 'INTERFACE') {
      expect(f.text('call @vault names')).toContain('passport.pdf');
      expect(f.text('call @vault read passport.pdf')).not.toContain('P<12345678>');
    }
    // Every authorization is ledgered, and there is no password or user table anywhere to consult.
    expect(f.last('auth', 2)).toMatch(/allowed by the \w+ pairing console ⇄ totebox/);
    // …and so is the response: its size and digest (seed 001), never its contents.
    expect(f.last('auth')).toMatch(/^response to shell \(pid \d+\)'s \w+ on vault@totebox: \d+ bytes, sha256 [0-9a-f]{16}$/);
  });

  it('re-pairing changes what crosses at once: USER refuses a write, INPUT then allows it', () => {
    const f = fleet();
    f.run('pair totebox as USER');
    f.run('import totebox vault');
    expect(f.text('call @vault write memo.txt "hi"')).toMatch(/EPERM: the USER pairing is read-only: write \(write\) needs ADMIN or INPUT/);
    expect(f.text('pair totebox as INPUT')).toMatch(/re-paired console ↔ totebox: USER → INPUT/);
    expect(f.text('call @vault write memo.txt "hi"')).toBe('"wrote memo.txt"');
    expect(f.text('call @vault read memo.txt')).toBe('"hi"');
  });
});

describe('invisibility and revocation', () => {
  it('an unpaired machine is not found, exactly like one that does not exist', () => {
    const f = fleet();
    const unpaired = f.text('import totebox vault');
    const missing = f.text('import nowhere vault');
    expect(unpaired).toMatch(/^import: ENOTFOUND: no service "vault" on a machine "totebox" is visible from console$/);
    expect(unpaired.replace('totebox', 'X')).toBe(missing.replace('nowhere', 'X'));
    expect(f.k.processes.get(3)!.cnode.indexOf('vault')).toBe(-1);
  });

  it('severing at either end breaks every import across it in the same publish', () => {
    const f = fleet();
    f.run('pair totebox as INPUT');
    f.run('import totebox vault');
    f.run('import totebox vault as second');
    const frame = new Frame(f.h.views.layout.capacity);
    const deadImports = () => {
      f.h.publish();
      readFrame(f.h.views, frame);
      let live = 0;
      let dead = 0;
      for (let r = 0; r < frame.capRows; r++) {
        if (CAP_KINDS[frame.cap[CAP.KIND][r]] !== 'import' || frame.cap[CAP.HOLDER][r] !== 3) continue;
        if (frame.cap[CAP.FLAGS][r] & CAP_FLAG.DEAD) dead++;
        else live++;
      }
      return { live, dead };
    };
    expect(deadImports()).toEqual({ live: 2, dead: 0 });
    const topology = f.k.topology;
    expect(f.text('unpair totebox console')).toMatch(/severed totebox ⇄ console/); // the other end severs
    expect(f.k.topology).toBeGreaterThan(topology);
    expect(deadImports()).toEqual({ live: 0, dead: 2 });
    expect(f.text('call @vault names')).toMatch(/^call: ENOTFOUND: not found/);
    expect(f.text('call @second names')).toMatch(/^call: ENOTFOUND: not found/);
    // A new pairing does not revive what the old one carried.
    f.run('pair totebox as INPUT');
    expect(f.text('call @vault names')).toMatch(/^call: ENOTFOUND/);
    expect(f.last('unpair')).toContain('mutually invisible');
  });

  it('the aggregator, paired INTERFACE at boot, sees counts and names only', () => {
    const f = fleet();
    const pid = [...f.k.processes.values()].find((p) => p.name === 'fleetview')!.pid;
    expect(f.k.call(pid, 'fleet', 'count')).toMatchObject({ ok: true, value: 3 });
    expect(f.k.call(pid, 'fleet', 'read', { args: ['passport.pdf'] })).toMatchObject({ ok: false, code: 'EPERM' });
  });
});

describe('TOFU+', () => {
  it('binds on first contact; a MITM on first contact succeeds, after binding it is refused', () => {
    const f = fleet();
    expect(f.text('mitm totebox')).toMatch(/through mallory/);
    expect(f.last('verdict')).toMatch(/^MITM succeeded: first contact/);
    expect(f.text('tofu')).toMatch(/totebox\s+[0-9a-f-]{39}\s+first contact/);

    const g = fleet();
    g.run('pair totebox as USER');
    const bound = g.k.fleet.bindingsOf(0).get('totebox')!.cellId;
    expect(bound).toBe(g.k.fleet.identity('totebox').cellIdText);
    expect(g.text('mitm totebox')).toMatch(/ETOFU: TOFU\+ refused/);
    expect(g.last('verdict')).toMatch(/^MITM after binding blocked by TOFU\+/);
    // The pairing stayed honest.
    expect(g.k.fleet.between(0, 1)!.mitm).toBe(false);
  });

  it('pure TOFU (the defense off) accepts a new key after binding', () => {
    const f = fleet();
    f.run('pair totebox');
    f.run('defense tofu off');
    expect(f.failed('mitm totebox')).toBe(true); // printed in red: the attack worked
    expect(f.last('verdict')).toMatch(/^MITM succeeded: pure TOFU/);
    expect(f.k.fleet.between(0, 1)!.mitm).toBe(true);
  });

  it('after a poisoned first contact, each side needs an ADMIN action to forget it', () => {
    const f = fleet();
    f.run('mitm aggregator');
    f.run('unpair aggregator');
    // The honest aggregator is refused: its key is not what console bound (mallory's).
    expect(f.text('pair aggregator')).toMatch(/ETOFU: TOFU\+ refused: message 2/);
    expect(f.text('tofu forget console aggregator')).toMatch(/console forgot aggregator/);
    // Now the aggregator's own poisoned binding refuses console, and only its administrator can drop it.
    expect(f.text('pair aggregator')).toMatch(/ETOFU: TOFU\+ refused: message 3/);
    expect(f.text('tofu forget aggregator console')).toMatch(/EPERM: forgetting aggregator's binding needs ADMIN on aggregator/);
    expect(f.last('deny')).toMatch(/^denied: forget on @pairing by shell \(pid \d+\): EPERM: forgetting aggregator's binding/);
  });

  it('an ADMIN pairing carries key management: forgetting a binding on the far machine', () => {
    const f = fleet(undefined, true);
    expect(f.text('tofu forget totebox mediakit')).toMatch(/needs ADMIN/);
    f.run('pair totebox as ADMIN');
    expect(f.text('tofu forget totebox mediakit')).toMatch(/totebox forgot mediakit/);
    expect(f.text('tofu totebox')).not.toMatch(/mediakit/);
  });

  it("after a MITM on first contact, mallory's forged announcement verifies against the key bound — and the ledger says so", () => {
    const f = fleet();
    f.run('mitm aggregator');
    expect(f.text('announce aggregator forged')).toMatch(/forged announcement for aggregator/);
    expect(f.last('pair')).toMatch(
      /^console rebound aggregator to CellID \S+ on mallory's forged announcement: the key it bound for aggregator on a poisoned first contact \(MITM\) is hers$/,
    );
  });

  it('a MITM after one side forgot its binding half succeeds, and the verdict says so (not "blocked")', () => {
    const f = fleet();
    f.run('pair totebox');
    f.run('unpair totebox');
    expect(f.text('tofu forget console totebox')).toMatch(/console forgot totebox/);
    expect(f.text('mitm totebox')).toMatch(/ETOFU/); // the Totebox still pins the console's key
    expect(f.last('verdict')).toMatch(/^MITM half succeeded: console had no binding for totebox and bound mallory's key/);
    expect(f.k.ledger.last(5).findLast((e) => e.kind === 'verdict')?.facts).toMatchObject({ outcome: 'breach', weakness: 'first contact' });
    expect(f.k.fleet.bindingsOf(0).get('totebox')!.cellId.startsWith(f.k.fleet.identityText('mallory'))).toBe(true);
  });

  it('a key announcement signed by the old key rebinds; a forged one is refused', () => {
    const f = fleet();
    f.run('pair totebox');
    const before = f.k.fleet.bindingsOf(0).get('totebox')!.cellId;
    expect(f.text('announce totebox forged')).toMatch(/refused by console, mediakit, aggregator/);
    expect(f.k.fleet.bindingsOf(0).get('totebox')!.cellId).toBe(before);
    // The console announces its own rotation; the Totebox, which bound it, checks the old key's signature.
    const console0 = f.k.fleet.bindingsOf(1).get('console')!.cellId;
    expect(f.text('announce console')).toMatch(/rebound by totebox/);
    const after = f.k.fleet.bindingsOf(1).get('console')!;
    expect(after.cellId).not.toBe(console0);
    expect(after.how).toBe('announcement');
    f.run('unpair totebox');
    expect(f.failed('pair totebox')).toBe(false); // the new key matches the new binding
  });
});

describe('the Diode', () => {
  const media = (f: ReturnType<typeof fleet>) => [...f.k.processes.values()].find((p) => p.name === 'media')!.pid;

  it('telemetry flows up, sanitised; no command does', () => {
    const f = fleet();
    const pid = media(f);
    expect(f.k.call(pid, 'telemetry', 'telemetry', { args: ['viewers=3\u001b]52;c;ZXZpbA==\u0007 ok'] })).toMatchObject({ ok: true });
    const vault = [...f.k.objects.values()].find((o) => o.name === 'vault')!;
    const logged = (vault.service!.state as { telemetry: string[] }).telemetry.at(-1)!;
    expect(logged).toBe('viewers=3]52;c;ZXZpbA== ok');
    expect(f.text('compromise media')).toMatch(/refused: EDIODE: the Diode: mediakit is downstream of totebox/);
    expect(f.last('verdict')).toMatch(/^upstream command impossible/);
    expect((vault.service!.state as { records: Map<string, string> }).records.has('owned.txt')).toBe(false);
  });

  it('with the Diode off, the compromised edge commands the vault', () => {
    const f = fleet();
    f.run('defense diode off');
    expect(f.text('compromise media')).toMatch(/went through/);
    expect(f.last('verdict')).toMatch(/^upstream command went through/);
  });

  it('commands still flow downstream', () => {
    const f = fleet();
    // The console is upstream of the Totebox: its writes are not the Diode's business (only the pairing's).
    f.run('pair totebox as INPUT');
    f.run('import totebox vault');
    expect(f.text('call @vault write a.txt "x"')).toBe('"wrote a.txt"');
  });
});

describe('determinism', () => {
  it('same scenario, seed and commands ⇒ the same ledger, handshakes included', () => {
    const lines = [
      'pair totebox as USER',
      'import totebox vault',
      'call @vault write x "y"',
      'mitm aggregator',
      'unpair totebox',
      'compromise media',
    ];
    const a = fleet(7);
    const b = fleet(7);
    for (const l of lines) {
      a.run(l);
      b.run(l);
    }
    expect(a.k.ledger.page(1, 10_000)).toEqual(b.k.ledger.page(1, 10_000));
    expect(fleet(8).k.fleet.identity('console').cellIdText).not.toBe(a.k.fleet.identity('console').cellIdText);
  });
});
