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

  it('lookalike: refused when image_hash is not authority, paid by the buggy check', () => {
    const h = host();
    expect(text(h, 'lookalike')).toMatch(/^fault: image_hash is not authority/);
    h.exec('defense hashauth off');
    expect(text(h, 'lookalike')).toBe('→ {"paid":true}');
    expect(verdicts(h).map((v) => v.split(':')[0])).toEqual(['look-alike refused', 'image_hash taken as authority']);
  });
});
