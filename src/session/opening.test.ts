import { describe, expect, it } from 'vitest';
import defaultScenario from '../content/scenarios/default.json';
import { REPLAY_STOPPED, type Session } from '../kernel/host-api';
import { KernelHost } from '../kernel/host';
import { openFirstSession, type OpeningIo } from './opening';
import { encodeShare, SHARE_VERSION } from './share';

/** A saved session of one's own: a child holding a participant, Gate 0 off. */
function mine(): Session {
  const h = new KernelHost(undefined, false);
  h.exec('spawn "idle" with { chat: @chat_participant }');
  h.kernel.step(100);
  h.exec('defense gate0 off');
  return h.session();
}

/** The page's side, backed by a real host (as the worker is), with storage in memory. */
function page(stopLinks = false) {
  const host = new KernelHost(undefined, false);
  const kept: { session: Session; why: string }[] = [];
  let cleared = false;
  const io: OpeningIo = {
    restore: async (session, label) =>
      stopLinks && label.includes('shared') ? { ok: false, errors: [REPLAY_STOPPED] } : host.restoreNow(session),
    keepAside: async (session, why) => (kept.push({ session: session as Session, why }), true),
    clear: async () => void (cleared = true),
    owns: true,
  };
  return { host, io, kept, cleared: () => cleared };
}

const linkOf = (scenario: object) => encodeShare({ scenario: JSON.stringify(scenario), seed: 1, log: [], ticks: 0 });

describe('opening the first session', () => {
  it.each([
    [
      'its scenario fails validation',
      () => linkOf({ ...defaultScenario, processes: [{ name: 'x', program: 'nope' }] }),
      /^The share link could not be opened: processes\[0\]\.program: unknown program/,
    ],
    [
      'its scenario comes from a newer build',
      () => linkOf({ ...defaultScenario, version: 3 }),
      /made by a newer capplay \(scenario format 3\)/,
    ],
    ['the link comes from a newer build', async () => '#s=9.abcd', /newer capplay \(format 9\)/],
    ['the link is one version ahead', async () => `#s=${SHARE_VERSION + 1}.abcd`, /newer capplay \(format 3\)/],
    ['it is damaged', async () => (await linkOf(defaultScenario)).slice(0, 30), /^The share link could not be opened: the link is damaged/],
  ])('a link that cannot be opened (%s) keeps the saved session, and says what was wrong', async (_, link, says) => {
    const saved = mine();
    const p = page();
    const opened = await openFirstSession(await link(), saved, undefined, p.io);
    expect(opened.notice).toMatch(says);
    expect(opened.notice).toMatch(/Your own session was restored instead\.$/);
    expect(opened.kept).toBe(false);
    expect(p.host.session()).toEqual(saved); // the person's own world runs (and is what will be saved)
  });

  it('a link whose replay was stopped keeps the saved session too', async () => {
    const saved = mine();
    const p = page(true);
    const opened = await openFirstSession(await linkOf(defaultScenario), saved, undefined, p.io);
    expect(opened.notice).toBe('The share link was not opened: you stopped its replay. Your own session was restored instead.');
    expect(p.host.session()).toEqual(saved);
  });

  it('a link that opens replaces the world, and says so', async () => {
    const p = page();
    const shared = mine();
    const opened = await openFirstSession(await encodeShare(shared), null, undefined, p.io);
    expect(opened).toEqual({
      notice: `Opened a shared session (${shared.log.length} commands replayed).`,
      kept: false,
      replaced: true,
      firstVisit: false,
    });
    expect(p.host.session()).toEqual(shared);
  });

  // Rule 8 (issue 16): a link made before the seed rules (share version 1) replays under them, and says so.
  describe('a link made before the seed rules', () => {
    const v1 = async (s: Session) => (await encodeShare(s)).replace(`#s=${SHARE_VERSION}.`, '#s=1.');

    it('opens and replays, with a notice that steps may now be refused, and why', async () => {
      const p = page();
      // Before rule 4 a pledged shell could start a child pledged to more; the link's replay now meets the refusal.
      const before = mine();
      const steps = ['pledge "stdio spawn"', 'spawn "idle" pledge "stdio rw" with { chat: @chat_participant }'];
      const shared = { ...before, log: [...before.log, ...steps.map((line) => ({ at: before.ticks, line }))] };
      const opened = await openFirstSession(await v1(shared), null, undefined, p.io);
      expect(opened.kept).toBe(false);
      expect(opened.notice).toMatch(
        new RegExp(`^Opened a shared session \\(${shared.log.length} commands replayed\\)\\. It was made before`),
      );
      expect(opened.notice).toMatch(/before the kernel enforced the seed rules \(ledger record format 2\), and it replays under them/);
      expect(opened.notice).toMatch(/steps it took may now be refused/);
      // …and why: the rules, each with its seed.
      for (const why of [
        /pairings it is an end of/,
        /nothing crosses machines except an import over a pairing/,
        /Law of Decay applies once/,
        /never pledges more than its parent/,
        /waits in its endpoint's queue/,
        /yields walk owner edges/,
        /every verb is charged/,
      ])
        expect(opened.notice).toMatch(why);
      expect(p.host.session()).toEqual(shared); // it replayed (under today's kernel)…
      const refused = p.host.kernel.ledger.last(5).find((e) => e.kind === 'deny');
      expect(refused?.detail).toMatch(/a child’s pledge may only narrow its parent’s/); // …and the old step was refused, saying why
    });

    it('a current link says nothing of the kind', async () => {
      const opened = await openFirstSession(await encodeShare(mine()), null, undefined, page().io);
      expect(opened.notice).not.toMatch(/seed rules/);
    });

    it('an old link whose replay fails says why that may be, and keeps the saved session', async () => {
      const saved = mine();
      const p = page();
      const link = (await linkOf({ ...defaultScenario, processes: [{ name: 'x', program: 'nope' }] })).replace(
        `#s=${SHARE_VERSION}.`,
        '#s=1.',
      );
      const opened = await openFirstSession(link, saved, undefined, p.io);
      expect(opened.notice).toMatch(/^The share link could not be opened: .*\. It was made before the kernel enforced the seed rules/);
      expect(opened.notice).toMatch(/Your own session was restored instead\.$/);
      expect(p.host.session()).toEqual(saved);
    });
  });

  it('a saved session that cannot be restored is kept aside, not overwritten', async () => {
    const p = page();
    const broken = { ...mine(), scenario: JSON.stringify({ ...defaultScenario, version: 2 }) };
    const opened = await openFirstSession('', broken, undefined, p.io);
    expect(opened.kept).toBe(true);
    expect(p.kept).toEqual([{ session: broken, why: expect.stringMatching(/newer capplay/) }]);
    expect(opened.notice).toMatch(
      /^Your saved session could not be restored \(version: this scenario was made by a newer capplay.*\); it is kept: Share → Download the kept session\./,
    );
  });

  it('a saved session that is damaged or from a newer build is kept aside as it was found', async () => {
    const p = page();
    const raw = { v: 3, head: { logLength: 9 } };
    const opened = await openFirstSession('', null, { problem: 'it was saved by a newer capplay (storage format 3)', raw }, p.io);
    expect(p.kept).toEqual([{ session: raw, why: 'it was saved by a newer capplay (storage format 3)' }]);
    expect(opened).toEqual({
      kept: true,
      replaced: false,
      firstVisit: false, // something was there: not a newcomer
      notice: expect.stringMatching(/^Your saved session could not be restored \(it was saved by a newer capplay .*\); it is kept/),
    });
  });

  it('#fresh clears the saved session (when this tab keeps it), and restores nothing', async () => {
    const p = page();
    const before = p.host.kernel;
    expect((await openFirstSession('#fresh', mine(), undefined, p.io)).notice).toBe('A fresh playground: the saved session was cleared.');
    expect(p.cleared()).toBe(true);
    expect(p.host.kernel).toBe(before);
    const other = page();
    other.io.owns = false;
    expect((await openFirstSession('#fresh', mine(), undefined, other.io)).notice).toMatch(
      /belongs to another open tab and was left as it is/,
    );
    expect(other.cleared()).toBe(false);
  });

  it('a reload restores the saved session and says so (the banner the README promises)', async () => {
    const p = page();
    const saved = mine();
    const opened = await openFirstSession('', saved, undefined, p.io);
    expect(opened).toEqual({
      notice: `Your session was restored: ${saved.log.length} commands replayed.`,
      kept: false,
      replaced: true,
      firstVisit: false,
    });
    expect(p.host.session()).toEqual(saved);
    const one = { ...saved, log: saved.log.slice(0, 1) };
    expect((await openFirstSession('', one, undefined, page().io)).notice).toBe('Your session was restored: 1 command replayed.');
  });

  it('a first visit (nothing saved, no link) is told apart, and says nothing', async () => {
    expect(await openFirstSession('', null, undefined, page().io)).toEqual({ notice: '', kept: false, replaced: false, firstVisit: true });
    // An unknown fragment is no link either; a link, or a fresh playground, is not a first visit.
    expect((await openFirstSession('#about', null, undefined, page().io)).firstVisit).toBe(true);
    expect((await openFirstSession('#fresh', null, undefined, page().io)).firstVisit).toBe(false);
    expect((await openFirstSession(await encodeShare(mine()), null, undefined, page().io)).firstVisit).toBe(false);
  });

  describe('in a tab already open (a link pasted into it)', () => {
    it('a link opens as on a first visit; one that cannot be opened changes nothing', async () => {
      const p = page();
      const shared = mine();
      expect(await openFirstSession(await encodeShare(shared), null, undefined, p.io)).toMatchObject({ replaced: true });
      expect(p.host.session()).toEqual(shared);
      const bad = await openFirstSession('#s=9.abcd', null, undefined, p.io);
      expect(bad).toMatchObject({ replaced: false, notice: expect.stringMatching(/^The share link could not be opened: .*newer capplay/) });
      expect(p.host.session()).toEqual(shared); // the world shown was left as it was
    });

    it('#fresh boots the default world there (and clears the saved session when this tab keeps it)', async () => {
      const p = page();
      p.host.restoreNow(mine());
      const fresh = async () => p.host.boot().ok;
      const opened = await openFirstSession('#fresh', null, undefined, { ...p.io, fresh });
      expect(opened).toMatchObject({ replaced: true, notice: 'A fresh playground: the saved session was cleared.' });
      expect(p.host.session().log).toEqual([]);
      expect(p.cleared()).toBe(true);
      const refused = await openFirstSession('#fresh', null, undefined, { ...p.io, fresh: async () => false });
      expect(refused).toMatchObject({ replaced: false, notice: expect.stringMatching(/did not start/) });
    });
  });
});
