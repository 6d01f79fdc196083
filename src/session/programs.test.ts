import { beforeAll, describe, expect, it } from 'vitest';
import { KernelHost } from '../kernel/host';
import { loadEngine } from '../kernel/programs/engine';
import { decodeShare, encodeShare, parseSessionFile, sessionFile } from './share';

beforeAll(() => loadEngine());

const SOURCE = `function* main(sys) {
  const r = yield sys.spawn('chat-client', { name: 'impostor', grants: { chat: 'client @chat badge 200' }, argv: ['stay'] });
  yield sys.call('stdio', 'write', [r.ok ? 'thief: impostor started' : 'thief: refused: ' + r.code]);
}`;
const RUN = 'run "thief" with { stdio: client @stdio, chat: client @chat, spawner: @spawner }';

describe('a program defined mid-session travels in share links and session files', () => {
  it('a link and a file keep the definition; each replays to the same ledger bytes', async () => {
    const a = new KernelHost(undefined, false);
    a.advance(100);
    expect(a.defineProgram({ name: 'thief', source: SOURCE, summary: 'speaks as bob', run: RUN })).toMatchObject({ ok: true });
    a.exec(RUN);
    a.advance(1500);
    a.exec('defense gate0 off');
    a.exec(RUN);
    a.advance(1500);
    const text = a.kernel.console.map((c) => c.text).join('\n');
    expect(text).toContain('thief: refused: EGATE0');
    expect(text).toContain('thief: impostor started');
    for (const decoded of [await decodeShare(await encodeShare(a.session())), parseSessionFile(sessionFile(a.session()))]) {
      if (!decoded.ok) throw new Error(decoded.error);
      expect(decoded.session.log.filter((c) => c.program).map((c) => c.program!.source)).toEqual([SOURCE]);
      const b = new KernelHost(undefined, false);
      expect(b.restoreNow(decoded.session)).toMatchObject({ ok: true });
      expect(b.kernel.ledger.exportJsonl()).toBe(a.kernel.ledger.exportJsonl());
      expect(b.programs()).toEqual([{ name: 'thief', source: SOURCE, summary: 'speaks as bob', run: RUN }]);
    }
  });
});
