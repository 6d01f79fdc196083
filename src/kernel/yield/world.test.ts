import { describe, expect, it } from 'vitest';
import { KernelHost } from '../host';

const host = () => new KernelHost(undefined, false);
const text = (h: KernelHost, line: string) =>
  h
    .exec(line)
    .lines.map((l) => l.text)
    .join('\n');
const verdicts = (h: KernelHost) =>
  h.kernel.ledger
    .page(1, 1e5)
    .filter((e) => e.kind === 'verdict')
    .map((e) => e.detail);

describe('yield commands in the shell', () => {
  it('attest: the kernel catches kernel:attest; the caller sees only a status', () => {
    const h = host();
    expect(text(h, 'attest')).toBe(
      '→ {"status":"attested","key":"hw"}\nroute: kernel:attest: AttestationAuthority#6 → User#7 → Chain#1 → caught by kernel',
    );
    expect(h.kernel.ledger.last(1)[0]).toMatchObject({
      kind: 'yield',
      detail: 'kernel:attest: AttestationAuthority#6 → User#7 → Chain#1 → caught by kernel',
    });
  });

  it('invoke, mint, rotate: revocation by key rotation, and the re-minted cap works', () => {
    const h = host();
    expect(text(h, 'invoke "swap"')).toMatch(
      /^→ \{"status":"ok","result":\{"by":"B","processed":\{"payload":"swap"\}\}\}\nroute: invoke_key: EndpointRefCap#\d+ → User#\d+ → caught by Chain#1$/,
    );
    expect(text(h, 'mint art sunrise')).toMatch(/^→ \{"status":"minted","domain":"art","count":1\}/);
    expect(text(h, 'rotate invoke_key invoke_key_2')).toBe('→ "invoke_key_2"');
    expect(text(h, 'invoke old')).toMatch(/^fault: unhandled yield_key invoke_key\nroute: invoke_key: .* → fault \(unhandled yield_key\)$/);
    expect(text(h, 'invoke')).toMatch(/^→ \{"status":"ok"/);
    expect(text(h, 'yields 2')).toMatch(/invoke_key: .*fault.*\ninvoke_key_2: .*caught by Chain#1/);
  });

  it('forge: blocked with interposition, a forged authority without it (the toggle is ledgered)', () => {
    const h = host();
    expect(text(h, 'forge')).toBe(
      'fault: the chain refuses to mint the reserved key invoke_key\nroute: kernel:mint_yield: Forger#6 → caught by Chain#1',
    );
    expect(text(h, 'defense interpose off')).toBe('mint/merge interposition is off');
    expect(text(h, 'forge')).toMatch(
      /^→ \{"status":"ok","result":\{"by":"B","drained":true\}\}\nroute: invoke_key: Forger#\d+ → caught by Chain#1$/,
    );
    expect(verdicts(h)).toEqual([
      'forged mint blocked: the chain refuses to mint the reserved key invoke_key',
      'forged mint succeeded: the descendant minted invoke_key and the chain accepted its yield as authority: B.drain ran',
    ]);
  });

  it('ratelimit (seed 004 "Where policy attaches"): issue, a burst paying a SEND per call, each route ledgered, the verdict', () => {
    const h = host();
    const shell = [...h.kernel.processes.values()].find((p) => p.program === 'shell')!;
    expect(text(h, 'ratelimit issue 2')).toMatch(/^→ \{"cap_id":2,"rate_limit":2,"cap":"EndpointRefCap#\d+","holder":"User#\d+"\}$/);
    const spent = shell.spent;
    const yields = h.kernel.ledger.page(1, 1e5).filter((e) => e.kind === 'yield').length;
    expect(text(h, 'ratelimit invoke 2 3')).toMatch(
      /^1\. → \{"status":"ok","result":\{"by":"B","processed":null\}\}\n2\. → .*\n3\. fault: rate limit: cap #2 allows 2 calls\/s \(baked in\), and 2 went through in the last 1 s\nroute: invoke_key: EndpointRefCap#\d+ → User#\d+ → caught by Chain#1$/,
    );
    expect(shell.spent - spent).toBe(15); // three CALLs into the chain
    expect(h.kernel.ledger.page(1, 1e5).filter((e) => e.kind === 'yield').length - yields).toBe(3);
    expect(verdicts(h).at(-1)).toMatch(/^rate limit held: cap #2 allows 2\/s/);
    expect(text(h, 'ratelimit')).toMatch(
      /^CAP +INSTANCE +HOLDER +BAKED +SIDECAR +IN FORCE +LAST 1 s\n#1 .*\n#2 +EndpointRefCap#\d+ +User#\d+ +2\/s +- +2\/s +2$/,
    );
    expect(text(h, 'ratelimit policy 2 1')).toBe('→ {"cap_id":2,"baked":2,"sidecar":1,"in_force":1}');
    h.exec('clock step 1000');
    expect(text(h, 'ratelimit invoke 2 2')).toMatch(
      /^1\. → .*\n2\. fault: rate limit: cap #2 allows 1 call\/s \(the chain's sidecar policy; baked in: 2 calls\/s\)/,
    );
    expect(text(h, 'ratelimit reissue 2 1')).toMatch(
      /^→ \{"cap_id":3,.*"instead_of":2\}\ncap #2 is still held: its rate is baked into its state\. Short of revoking it \(rotating invoke_key revokes every cap under that key\), nothing at the chain changes cap #2's rate/,
    );
  });

  it('ratelimit invoke through a cap the rate user does not hold makes no transaction and pays nothing', () => {
    const h = host();
    const shell = [...h.kernel.processes.values()].find((p) => p.program === 'shell')!;
    const spent = shell.spent;
    expect(text(h, 'ratelimit invoke 9 20')).toMatch(/^fault: the rate user holds no cap #9/);
    expect(shell.spent - spent).toBe(0);
    expect(h.kernel.ledger.page(1, 1e5).filter((e) => e.kind === 'yield')).toHaveLength(0);
  });

  it('ratelimit policy leaves a trace in the ledger: a grant record of policy (set and cleared), none for a refused one', () => {
    const h = host();
    h.exec('ratelimit issue 5');
    const grants = () => h.kernel.ledger.page(1, 1e5).filter((e) => e.kind === 'grant' && e.facts?.cap_id !== undefined);
    h.exec('ratelimit policy 2 1');
    h.exec('ratelimit policy 2 none');
    h.exec('ratelimit policy 9 1'); // refused: the chain minted no cap #9
    expect(grants().map((e) => [e.detail, e.facts])).toEqual([
      [
        "the chain set cap #2's sidecar policy to 1 call/s (baked in: 5 calls/s; in force: 1 call/s), with no re-mint or re-grant",
        { cap_id: 2, sidecar: 1, baked: 5, in_force: 1 },
      ],
      [
        "the chain cleared cap #2's sidecar policy (baked in: 5 calls/s; in force: 5 calls/s), with no re-mint or re-grant",
        { cap_id: 2, sidecar: 'none', baked: 5, in_force: 5 },
      ],
    ]);
  });

  it('the ratelimit listing marks a cap whose key was rotated away as revoked', () => {
    const h = host();
    h.exec('ratelimit issue 2');
    h.exec('rotate invoke_key k2');
    const rows = text(h, 'ratelimit').split('\n');
    expect(rows[1]).toMatch(/^#1 .* revoked \(invoke_key rotated\) +0$/);
    expect(rows[2]).toMatch(/^#2 .* 2\/s +- +revoked \(invoke_key rotated\) +0$/);
    expect(rows[3]).toMatch(/^#3 .* - +- +- +0$/); // the cap the chain redistributed under k2
  });

  it('a mint-key rotation revokes no EndpointRefCap: invoke old with no older cap is no "revoked" verdict', () => {
    const h = host();
    h.exec('rotate mint_key m2');
    expect(text(h, 'invoke old')).toBe('fault: the user holds no older cap');
    expect(verdicts(h)).toEqual([]);
    h.exec('rotate invoke_key k2');
    expect(text(h, 'invoke old')).toMatch(/^fault: unhandled yield_key invoke_key/);
    expect(verdicts(h)).toEqual([expect.stringMatching(/^revoked by key rotation: /)]);
  });

  it('ratelimit: bad input is a usage error naming what and where', () => {
    const h = host();
    const err = (line: string) => {
      const r = h.exec(line).lines;
      expect(r[0].style, line).toBe('error');
      return r.map((l) => l.text).join('\n');
    };
    expect(err('ratelimit frob')).toMatch(/ratelimit issue, invoke, policy or reissue.*column 11/);
    expect(err('ratelimit issue 0')).toMatch(/rate must be between 1 and 1000, got 0.*column 17/);
    expect(err('ratelimit issue')).toMatch(/missing rate/);
    expect(err('ratelimit invoke x')).toMatch(/cap_id must be a whole number, got "x".*column 18/);
    expect(err('ratelimit invoke 2 99')).toMatch(/n must be between 1 and 20, got 99/);
    expect(err('ratelimit invoke 2 3 clam 5')).toMatch(/expected claim <rate> \[cap_id\], got "clam".*column 22/);
    expect(err('ratelimit invoke 2 claim')).toMatch(/missing the claimed rate_limit/);
    expect(err('ratelimit policy 2')).toMatch(/missing rate \(or none\)/);
    expect(err('ratelimit policy 2 1 extra')).toMatch(/unexpected "extra"/);
    expect(err('ratelimit invoke 5')).toMatch(/^fault: the rate user holds no cap #5/);
    expect(err('ratelimit policy 9 1')).toMatch(/^fault: the chain minted no cap #9/);
  });

  it('lookalike: refused when image_hash is not authority, paid by the buggy check', () => {
    const h = host();
    expect(text(h, 'lookalike')).toMatch(/^fault: image_hash is not authority/);
    h.exec('defense hashauth off');
    expect(text(h, 'lookalike')).toBe('→ {"paid":true}');
    expect(verdicts(h).map((v) => v.split(':')[0])).toEqual(['look-alike refused', 'image_hash taken as authority']);
  });
});
