import { describe, expect, it } from 'vitest';
import pointsav from '../../content/scenarios/pointsav.json';
import { runScenario } from '../../cli/run';
import { makeCap } from '../caps/cnode';
import { KernelError } from '../errors';
import { KernelHost } from '../host';
import { loadScenario } from '../scenario/load';

/** The PointSav fleet with `edit` applied to a copy of its manifest. */
function manifest(edit: (s: typeof pointsav) => void): string {
  const s = structuredClone(pointsav);
  edit(s);
  return JSON.stringify(s);
}
const proc = (s: typeof pointsav, name: string) => s.processes.find((p) => p.name === name)!;

function fleet() {
  const h = new KernelHost(undefined, false);
  const r = h.boot(JSON.stringify(pointsav));
  if (!r.ok) throw new Error(r.errors.join('\n'));
  const k = h.kernel;
  const byName = (name: string) => [...k.processes.values()].find((p) => p.name === name)!;
  const text = (line: string) =>
    h
      .exec(line)
      .lines.map((l) => l.text)
      .join('\n');
  return { h, k, byName, text };
}

describe('seed 000, seed 002 network boundaries: nothing crosses machines except an import over a pairing', () => {
  it('refuses a manifest handing a MediaKit process a plain client cap to a Totebox endpoint (field path; exit 2 headless)', () => {
    const bad = manifest((s) => proc(s, 'media').caps.push({ client: 'vault' } as never));
    const r = loadScenario(bad);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([
      expect.stringMatching(
        /^processes\[4\]\.caps\[1\]\.client: endpoint "vault" is served on totebox and "media" runs on mediakit; nothing crosses machines except an import over a pairing/,
      ),
    ]);
    const err: string[] = [];
    expect(runScenario(bad, { source: 'bad.json' }, { out: () => {}, err: (l) => err.push(l) })).toBe(2);
    expect(err.join('\n')).toContain('processes[4].caps[1].client: endpoint "vault" is served on totebox');
    // The same cap as an import over the live Totebox ⇄ MediaKit pairing is what the manifest may say.
    expect(loadScenario(manifest((s) => proc(s, 'media').caps.push({ import: 'totebox/vault', name: 'v2' } as never))).ok).toBe(true);
  });

  it('refuses a parent on another machine: its process handle would be a cross-machine cap', () => {
    const r = loadScenario(manifest((s) => Object.assign(proc(s, 'vault'), { parent: 'init' })));
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.errors.join('\n')).toMatch(
        /^processes\[3\]\.parent: "init" runs on console and "vault" on totebox; a parent holds a handle/,
      );
  });

  it('refuses, at the one door into a cnode, any cap held away from its machine — a ledgered EXDEV denial', () => {
    const { k, byName } = fleet();
    const media = byName('media');
    const vault = [...k.objects.values()].find((o) => o.kind === 'endpoint' && o.name === 'vault')!;
    const denials = k.ledger.length;
    let err: unknown;
    try {
      k.insertCap(0, media, 'stolen', makeCap('client', { kind: 'object', id: vault.id }, { how: 'boot' }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KernelError);
    expect((err as KernelError).code).toBe('EXDEV');
    expect(media.cnode.indexOf('stolen')).toBe(-1);
    const denial = k.ledger.page(denials + 1, 10).find((e) => e.kind === 'deny');
    expect(denial?.detail).toMatch(/EXDEV: .* belongs on totebox and media \(pid \d+\) runs on mediakit/);
  });

  it('the audit records every cross-machine command and its response (seed 001); the Diode stops the upstream one', () => {
    const { k, text } = fleet();
    text('pair totebox as USER');
    text('import totebox vault');
    const from = k.ledger.length;
    expect(text('call @vault read passport.pdf')).toContain('P<12345678>');
    const auth = k.ledger
      .page(from + 1, 20)
      .filter((e) => e.kind === 'auth')
      .map((e) => e.detail);
    expect(auth).toEqual([
      expect.stringMatching(/read \(read\) on vault@totebox: allowed by the USER pairing console ⇄ totebox/),
      expect.stringMatching(/^response to shell \(pid \d+\)'s read on vault@totebox: \d+ bytes, sha256 [0-9a-f]{16}$/),
    ]);
    expect(auth.join()).not.toContain('P<12345678>'); // the audit keeps a digest, not the vault's contents
    // A call that waits in the vault's queue (its server frozen) is audited when its answer comes.
    const vaultServer = [...k.processes.values()].find((p) => p.name === 'vault')!;
    vaultServer.meter.energy = 0;
    const queued = k.ledger.length;
    expect(text('call @vault read notes.txt')).toMatch(/waits in vault's queue/);
    k.step(20);
    const later = k.ledger
      .page(queued + 1, 50)
      .filter((e) => e.kind === 'auth')
      .map((e) => e.detail);
    expect(later.at(-1)).toMatch(/^response to shell \(pid \d+\)'s read on vault@totebox: \d+ bytes, sha256 [0-9a-f]{16}$/);
    // From the MediaKit, the only edge is the import, and the Diode is applied on it.
    expect(text('compromise media')).toMatch(/refused: EDIODE/);
  });
});
