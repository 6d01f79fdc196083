import { describe, expect, it } from 'vitest';
import defaultScenario from '../../content/scenarios/default.json';
import type { Kernel } from '../kernel';
import type { CallResult } from '../types';
import { boot } from '../scenario/boot';
import { loadScenario } from '../scenario/load';
import type { Proof } from '../subject/proof';

function world(): { k: Kernel; shell: number } {
  const loaded = loadScenario(defaultScenario);
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  const k = boot(loaded.scenario);
  return { k, shell: [...k.processes.values()].find((p) => p.name === 'shell')!.pid };
}
const value = (r: CallResult) => {
  if (!r.ok) throw new Error(`${r.code}: ${r.error}`);
  return r.value;
};
const proofFor = (k: Kernel, shell: number, request: object, ms = 5000, audience?: string) =>
  value(
    k.call(shell, 'session', 'deriveProof', { args: [request as never, ms, ...(audience ? [audience] : [])], caps: ['chat_root'] }),
  ) as unknown as Proof;

describe('service objects', () => {
  it('a participant object is the authority: send needs no identity, and others see who sent it', () => {
    const { k, shell } = world();
    expect(value(k.call(shell, 'chat_participant', 'send', { args: ['#lobby', 'hello'] }))).toBe(true);
    const events = value(k.call(shell, 'chat_participant', 'poll', { args: [50] })) as { kind: string; from: string; text: string }[];
    expect(events).toContainEqual(expect.objectContaining({ kind: 'message', from: 'you', text: 'hello' }));
    expect(value(k.call(shell, 'chat_participant', 'who', { args: ['#lobby'] }))).toEqual([
      'alice',
      'bob',
      'echo-bot',
      'shell',
      'troll',
      'you',
    ]);
  });

  it('wrong interface, unknown method and unknown cap are distinct errors', () => {
    const { k, shell } = world();
    expect(k.call(shell, 'chat_participant', 'kick', { args: ['#lobby'] })).toMatchObject({
      ok: false,
      code: 'EIFACE',
      error: 'kick belongs to ChatModerator; @chat_participant is a ChatParticipant',
    });
    expect(k.call(shell, 'chat_participant', 'send', { iface: 'ChatRoot', args: [] })).toMatchObject({ ok: false, code: 'EIFACE' });
    expect(k.call(shell, 'chat_participant', 'fly')).toMatchObject({
      ok: false,
      code: 'ENOMETHOD',
      error: 'ChatParticipant has no method fly',
    });
    expect(k.call(shell, 'nothing', 'send')).toMatchObject({ ok: false, code: 'ENOCAP' });
    expect(k.ledger.last(1)[0].kind).toBe('deny');
  });

  it('close makes every copy of the object fail; a reused record does not accept the old cookie', () => {
    const { k, shell } = world();
    const p = k.process(shell);
    const old = p.cnode.lookup('chat_participant').cap;
    const child = k.spawn(shell, 'idle', { grants: [{ name: 'copy', cap: { ...old, origin: { how: 'copied', from: shell, slot: 2 } } }] });
    expect(value(k.call(shell, 'chat_participant', 'close'))).toBe(null);
    expect(k.call(child.pid, 'copy', 'send', { args: ['#lobby', 'x'] })).toMatchObject({ ok: false, code: 'ECLOSED' });
    // A new participant reuses the freed record at the next generation: the old cookie is stale, the new cap works.
    const obj = old.target.kind === 'object' ? old.target.id : 0;
    const fresh = k.services.mintByAuthority(k.objects.get(obj)!.record!.endpoint, 'ChatParticipant', { handle: 'newcomer' }, 0);
    expect(fresh.target).toEqual(old.target);
    expect(fresh.generation).toBe(old.generation + 1);
    expect(k.call(child.pid, 'copy', 'send', { args: ['#lobby', 'x'] })).toMatchObject({
      ok: false,
      code: 'ESTALE',
      error: expect.stringContaining('stale receiver cookie'),
    });
  });

  it('revoke by the server ends the object for every holder', () => {
    const { k, shell } = world();
    const cap = k.process(shell).cnode.lookup('chat_mod').cap;
    k.services.revoke(
      cap.target.kind === 'object' ? cap.target.id : 0,
      k.objects.get(cap.target.kind === 'object' ? cap.target.id : 0)!.owner,
    );
    expect(k.call(shell, 'chat_mod', 'kick', { args: ['#lobby'] })).toMatchObject({ ok: false, code: 'EREVOKED' });
    expect(k.ledger.page(1, 1e4).some((e) => e.kind === 'revoke')).toBe(true);
  });

  it('a moderator kicks a participant passed as a cap argument', () => {
    const { k, shell } = world();
    expect(value(k.call(shell, 'chat_mod', 'kick', { args: ['#lobby'], caps: ['chat_participant'] }))).toBe(true);
    expect(value(k.call(shell, 'chat_participant', 'who', { args: ['#lobby'] }))).not.toContain('you');
    expect(k.call(shell, 'chat_mod', 'kick', { args: ['#lobby'], caps: ['stdio'] })).toMatchObject({ ok: false, code: 'EINVAL' });
  });

  it('legacy client facets pick their member by badge', () => {
    const { k, shell } = world();
    expect(value(k.call(shell, 'chat', 'send', { args: ['#lobby', 'via badge'] }))).toBe(true);
    const seen = value(k.call(shell, 'chat_participant', 'poll', { args: [50] })) as { from: string; text: string }[];
    expect(seen).toContainEqual(expect.objectContaining({ from: 'shell', text: 'via badge' }));
  });
});

describe('subject binding', () => {
  const request = { method: 'join', channel: '#dev', handle: 'me' };

  it('a fresh proof scoped to the root and request opens a participant bound to the subject', () => {
    const { k, shell } = world();
    const proof = proofFor(k, shell, request);
    const r = k.call(shell, 'chat_root', 'join', { args: ['#dev', 'me'], proof });
    expect(r).toMatchObject({ ok: true, caps: ['chat_participant-2'] });
    expect(value(k.call(shell, 'chat_participant-2', 'who', { args: ['#dev'] }))).toEqual(['me']);
    expect(k.process(shell).cnode.lookup('chat_participant-2').cap.origin).toEqual({
      how: 'minted',
      by: k.objects.get([...k.objects.values()].find((o) => o.name === 'chat')!.id)!.owner,
    });
  });

  it('expired, mis-scoped, re-targeted and forged proofs fail closed', () => {
    const { k, shell } = world();
    const join = (proof: Proof | null, args: string[] = ['#dev', 'me']) => k.call(shell, 'chat_root', 'join', { args, proof });
    const expired = proofFor(k, shell, request, 10);
    k.step(11);
    expect(join(expired)).toMatchObject({ ok: false, code: 'EPROOF', error: expect.stringContaining('expired') });
    const proof = proofFor(k, shell, request);
    expect(join(proof, ['#dev', 'someone-else'])).toMatchObject({ ok: false, error: expect.stringContaining('another request') });
    expect(join({ ...proof, subject: 'root' })).toMatchObject({ ok: false, error: expect.stringContaining('bad MAC') });
    expect(join({ ...proof, root: proof.root + 1 })).toMatchObject({ ok: false, error: expect.stringContaining('bad MAC') });
    expect(join(proofFor(k, shell, request, 5000, 'adventure'))).toMatchObject({
      ok: false,
      error: 'join refused: the proof is for audience "adventure", not "chat"',
    });
    expect(join(null)).toMatchObject({ ok: false, error: expect.stringContaining('no subject proof') });
    // a proof for another root: derive against the participant object instead of the root
    const other = value(k.call(shell, 'session', 'deriveProof', { args: [request, 5000], caps: ['chat_participant'] })) as unknown as Proof;
    expect(join(other)).toMatchObject({ ok: false, error: expect.stringContaining('another service root') });
  });
});

describe('UserSession proofs', () => {
  it('a proof is derived only for a root that still works: a revoked root gets EINVAL, and nothing is granted', () => {
    const { k, shell } = world();
    const root = k.process(shell).cnode.lookup('chat_root').cap;
    const id = root.target.kind === 'object' ? root.target.id : 0;
    k.services.revoke(id, k.objects.get(id)!.owner);
    const before = k.ledger.length;
    expect(k.call(shell, 'session', 'deriveProof', { args: [{ method: 'join' }, 5000], caps: ['chat_root'] })).toMatchObject({
      ok: false,
      code: 'EINVAL',
      error: 'deriveProof needs the service root it is for as a cap argument',
    });
    expect(k.ledger.page(before + 1, 10).map((e) => e.kind)).toEqual(['deny']);
  });
});
