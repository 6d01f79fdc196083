import { describe, expect, it } from 'vitest';
import { KernelHost } from '../kernel/host';
import { decodeShare, encodeShare, parseSessionFile, sessionFile } from './share';

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
    expect(link).toMatch(/^#s=1\.[A-Za-z0-9_-]+$/);
    expect(link.length).toBeLessThan(JSON.stringify(s).length); // compressed
    const back = await decodeShare(link);
    expect(back).toEqual({ ok: true, session: s });
    const other = new KernelHost(undefined, false);
    expect(other.restoreNow(back.ok ? back.session : (null as never)).ok).toBe(true);
    expect(other.kernel.ledger.page(1, 1e5)).toEqual(h.kernel.ledger.page(1, 1e5));
  });

  it.each([
    ['#s=2.abc', /newer capplay \(format 2\); this one reads format 1/],
    ['#s=x.abc', /unknown share format "x"/],
    ['#s=1e0.abc', /unknown share format "1e0"/],
    ['#s=01.abc', /unknown share format "01"/],
    ['#s=1.0.abc', /unknown share format|not valid base64url/],
    ['#s=nothing', /should look like #s=1\./],
    ['#s=1.***', /not valid base64url/],
    ['#s=1.AAAA', /does not decompress|not valid JSON/],
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
    expect(parseSessionFile(sessionFile(s))).toEqual({ ok: true, session: s });
    expect(parseSessionFile('{')).toMatchObject({ ok: false, error: expect.stringContaining('does not parse') });
    expect(parseSessionFile('{"format":"capplay-scenario"}')).toMatchObject({
      ok: false,
      error: expect.stringContaining('capplay-session'),
    });
    expect(parseSessionFile(JSON.stringify({ format: 'capplay-session', version: 9 }))).toMatchObject({
      ok: false,
      error: expect.stringContaining('newer capplay'),
    });
  });
});
