import { describe, expect, it } from 'vitest';
import defaultScenario from '../content/scenarios/default.json';
import { KernelHost } from '../kernel/host';
import { ENGINE_VERSION, loadEngine } from '../kernel/programs/engine';
import { decodeShare, encodeShare, olderRulesNotice, parseSessionFile, SHARE_VERSION, sessionFile } from './share';

function session() {
  const h = new KernelHost(undefined, false);
  h.exec('spawn "idle" with { chat: @chat_participant }');
  h.kernel.step(300);
  h.exec('defense gate0 off');
  h.kernel.step(20);
  return { h, s: h.session() };
}

describe('share links', () => {
  it('round-trip a session through the URL fragment, and the replay matches', async () => {
    const { h, s } = session();
    const link = await encodeShare(s);
    expect(link).toMatch(/^#s=2\.[A-Za-z0-9_-]+$/);
    expect(link.length).toBeLessThan(JSON.stringify(s).length); // compressed
    const back = await decodeShare(link);
    expect(back).toEqual({ ok: true, session: s, version: 2 });
    const other = new KernelHost(undefined, false);
    expect(other.restoreNow(back.ok ? back.session : (null as never)).ok).toBe(true);
    expect(other.kernel.ledger.page(1, 1e5)).toEqual(h.kernel.ledger.page(1, 1e5));
  });

  it.each([
    ['#s=3.abc', /newer capplay \(format 3\); this one reads formats 1 to 2/],
    ['#s=x.abc', /unknown share format "x"/],
    ['#s=2e0.abc', /unknown share format "2e0"/],
    ['#s=02.abc', /unknown share format "02"/],
    ['#s=2.0.abc', /unknown share format|not valid base64url/],
    ['#s=nothing', /should look like #s=2\./],
    ['#s=2.***', /not valid base64url/],
    ['#s=2.AAAA', /does not decompress|not valid JSON/],
    ['#s=1.AAAA', /does not decompress|not valid JSON/], // version 1 is still read: its data is what is wrong here
  ])('%s is refused with a reason', async (link, reason) => {
    const r = await decodeShare(link);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(reason);
  });

  it('a truncated link is refused, never thrown', async () => {
    const link = await encodeShare(session().s);
    const r = await decodeShare(link.slice(0, Math.floor(link.length / 2)));
    expect(r.ok).toBe(false);
  });

  it('a link carrying a malformed session names the field', async () => {
    const bad = { ...session().s, seed: -4 };
    const r = await decodeShare(await encodeShare(bad));
    expect(r).toEqual({ ok: false, error: expect.stringContaining('session.seed') });
  });

  it('session files round-trip and say what is wrong', () => {
    const { s } = session();
    expect(parseSessionFile(sessionFile(s))).toEqual({ ok: true, session: s, version: 2 });
    expect(parseSessionFile('{')).toMatchObject({ ok: false, error: expect.stringContaining('does not parse') });
    expect(parseSessionFile('{"format":"capplay-scenario"}')).toMatchObject({
      ok: false,
      error: expect.stringContaining('capplay-session'),
    });
    expect(parseSessionFile(JSON.stringify({ format: 'capplay-session', version: 9 }))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^this file was made by a newer capplay \(format 9\)/),
    });
    expect(parseSessionFile(JSON.stringify({ format: 'capplay-session', version: 0 }))).toMatchObject({
      ok: false,
      error: expect.stringContaining('unknown share format 0'),
    });
  });

  // Rule 8 (issue 16): links and files made before the seed rules are version 1, and still open.
  it('a version-1 link or file still opens, and says it replays under the seed rules', async () => {
    const { s } = session();
    const v1Link = (await encodeShare(s)).replace(`#s=${SHARE_VERSION}.`, '#s=1.');
    expect(await decodeShare(v1Link)).toEqual({ ok: true, session: s, version: 1 });
    const v1File = sessionFile(s).replace(`"version":${SHARE_VERSION}`, '"version":1');
    expect(parseSessionFile(v1File)).toEqual({ ok: true, session: s, version: 1 });
    expect(olderRulesNotice(1)).toMatch(/^It was made before the kernel enforced the seed rules \(ledger record format 2\)/);
    expect(olderRulesNotice(1)).toMatch(/steps it took may now be refused/);
    expect(olderRulesNotice(SHARE_VERSION)).toBe('');
  });
});

describe('share links and session files carry user programs', () => {
  it('with their source and the engine pin, and the replay matches byte for byte', async () => {
    await loadEngine();
    const scenario = JSON.parse(JSON.stringify(defaultScenario));
    scenario.engine = ENGINE_VERSION;
    scenario.programs = {
      roller: {
        summary: 'rolls dice on stdio, then runs away',
        source:
          "function* main(sys) { for (let i = 0; i < 3; i++) { yield sys.call('stdio', 'write', ['roll ' + sys.random(6)]); yield sys.sleep(40); } for (;;) {} }",
      },
    };
    const h = new KernelHost(undefined, false);
    expect(h.boot(JSON.stringify(scenario)).ok).toBe(true);
    h.exec('spawn "roller" with { stdio: client @stdio }');
    h.kernel.step(500);
    const s = h.session();
    expect(s.scenario).toContain(ENGINE_VERSION);
    for (const back of [await decodeShare(await encodeShare(s)), parseSessionFile(sessionFile(s))]) {
      expect(back).toEqual({ ok: true, session: s, version: SHARE_VERSION });
      const other = new KernelHost(undefined, false);
      expect(other.restoreNow(back.ok ? back.session : (null as never)).ok).toBe(true);
      expect(other.kernel.ledger.exportJsonl()).toBe(h.kernel.ledger.exportJsonl());
      expect(other.kernel.ledger.exportJsonl()).toMatch(/roller \(pid \d+\) exited with code 137: killed: computed past its budget/);
    }
  });
});
