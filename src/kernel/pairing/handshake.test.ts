import { x25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import {
  HandshakeError,
  HandshakeState,
  PROTOCOL_NAME,
  runHandshake,
  type HandshakeOutcome,
  type HandshakeRun,
  type MessageIndex,
  type Party,
} from './handshake';
import { deriveEphemeralSeed, deriveIdentity, type KeyPair } from './identity';

const SEED = 'pairing-tests';

function party(machine: string, session: string, extra: Partial<Party> = {}): Party {
  const id = deriveIdentity(SEED, machine);
  return { name: machine, staticKeyPair: id.staticKeyPair, ephemeralSeed: deriveEphemeralSeed(SEED, machine, session), ...extra };
}

function failureOf(run: HandshakeRun): Extract<HandshakeOutcome, { ok: false }> {
  if (run.outcome.ok) throw new Error('expected the handshake to fail');
  return run.outcome;
}

const flipByte = (target: MessageIndex, position: number) => (index: MessageIndex, bytes: Uint8Array) => {
  if (index !== target) return bytes;
  const altered = bytes.slice();
  altered[position] ^= 0x01;
  return altered;
};

// -----------------------------------------------------------------------------------------------------------

describe('Noise_XX_25519_ChaChaPoly_SHA256 known-answer vectors', () => {
  // From the flynn/noise vectors (format "handshake=… init_static=… gen_init_ephemeral=… msg_N_…"), as
  // quoted in swift-libp2p/swift-noise Tests/NoiseTests/NoiseTests.swift. Independent of this code.
  const INIT_STATIC = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
  const RESP_STATIC = '0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20';
  const INIT_EPHEMERAL = '202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f';
  const RESP_EPHEMERAL = '4142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f60';
  const TRANSPORT_1 = {
    payload: '79656c6c6f777375626d6172696e65',
    ciphertext: 'a52ef02ba60e12696d1d6b9ef4245c88fca757b6134ad6e76b56e310a6adf6',
  };
  const TRANSPORT_2 = {
    payload: '7375626d6172696e6579656c6c6f77',
    ciphertext: '2445aa438ebd649281c636cc7269ca82f1d9023d72520943aeabf909cdf521',
  };

  const cases = [
    {
      name: 'empty payloads',
      prologue: '',
      messages: [
        { payload: '', ciphertext: '358072d6365880d1aeea329adf9121383851ed21a28e3b75e965d0d2cd166254' },
        {
          payload: '',
          ciphertext:
            '64b101b1d0be5a8704bd078f9895001fc03e8e9f9522f188dd128d9846d484663414af878d3e46a2f58911a816d6e8346d4ea17a6f2a0bb4ef4ed56c133cff4560a34e36ea82109f26cf2e5a5caf992b608d55c747f615e5a3425a7a19eefb8f',
        },
        {
          payload: '',
          ciphertext:
            '87f864c11ba449f46a0a4f4e2eacbb7b0457784f4fca1937f572c93603e9c4d97e5ea11b16f3968710b23a3be3202dc1b5e1ce3c963347491e74f5c0768a9b42',
        },
      ],
    },
    {
      name: 'payloads',
      prologue: '',
      messages: [
        {
          payload: '746573745f6d73675f30',
          ciphertext: '358072d6365880d1aeea329adf9121383851ed21a28e3b75e965d0d2cd166254746573745f6d73675f30',
        },
        {
          payload: '746573745f6d73675f31',
          ciphertext:
            '64b101b1d0be5a8704bd078f9895001fc03e8e9f9522f188dd128d9846d484663414af878d3e46a2f58911a816d6e8346d4ea17a6f2a0bb4ef4ed56c133cff4572e7a2ba5123ac30618b3d205f5c2d17f50cbca216483ac56bcc78e33bf520303278db641e5e731b2e3a',
        },
        {
          payload: '746573745f6d73675f32',
          ciphertext:
            '87f864c11ba449f46a0a4f4e2eacbb7b0457784f4fca1937f572c93603e9c4d9f27e318e43ba630594c4d08eeb3b36d97c7377a2f4f9144b2f0c8095ad92140505b2ab53eff244b14138',
        },
      ],
    },
    {
      name: 'prologue "notsecret"',
      prologue: '6e6f74736563726574',
      messages: [
        { payload: '', ciphertext: '358072d6365880d1aeea329adf9121383851ed21a28e3b75e965d0d2cd166254' },
        {
          payload: '',
          ciphertext:
            '64b101b1d0be5a8704bd078f9895001fc03e8e9f9522f188dd128d9846d484663414af878d3e46a2f58911a816d6e8346d4ea17a6f2a0bb4ef4ed56c133cff4588f043d1e49a3289b1beeab8f96b0551a48cddf9f38b1a12e46c6908644198f3',
        },
        {
          payload: '',
          ciphertext:
            '87f864c11ba449f46a0a4f4e2eacbb7b0457784f4fca1937f572c93603e9c4d95a04fa1f1c41fb3f00d496f242c1e44ce5b749b3d54bf74cea2dad086d601fb6',
        },
      ],
    },
  ];

  const keyPair = (secretHex: string): KeyPair => {
    const secretKey = hexToBytes(secretHex);
    return { secretKey, publicKey: x25519.getPublicKey(secretKey) };
  };

  it.each(cases)('$name: every message and both transport directions match byte for byte', ({ prologue, messages }) => {
    const initiator = new HandshakeState({
      role: 'initiator',
      staticKeyPair: keyPair(INIT_STATIC),
      ephemeralSeed: hexToBytes(INIT_EPHEMERAL),
      prologue: hexToBytes(prologue),
    });
    const responder = new HandshakeState({
      role: 'responder',
      staticKeyPair: keyPair(RESP_STATIC),
      ephemeralSeed: hexToBytes(RESP_EPHEMERAL),
      prologue: hexToBytes(prologue),
    });
    const sides = [initiator, responder, initiator];
    const receivers = [responder, initiator, responder];
    messages.forEach(({ payload, ciphertext }, i) => {
      const wire = sides[i].writeMessage(hexToBytes(payload));
      expect(bytesToHex(wire)).toBe(ciphertext);
      expect(bytesToHex(receivers[i].readMessage(wire))).toBe(payload);
    });
    expect(initiator.complete && responder.complete).toBe(true);

    const toResponder = initiator.session.send.encryptWithAd(new Uint8Array(0), hexToBytes(TRANSPORT_1.payload));
    expect(bytesToHex(toResponder)).toBe(TRANSPORT_1.ciphertext);
    expect(bytesToHex(responder.session.receive.decryptWithAd(new Uint8Array(0), toResponder))).toBe(TRANSPORT_1.payload);
    const toInitiator = responder.session.send.encryptWithAd(new Uint8Array(0), hexToBytes(TRANSPORT_2.payload));
    expect(bytesToHex(toInitiator)).toBe(TRANSPORT_2.ciphertext);
    expect(bytesToHex(initiator.session.receive.decryptWithAd(new Uint8Array(0), toInitiator))).toBe(TRANSPORT_2.payload);
  });
});

// -----------------------------------------------------------------------------------------------------------

describe('runHandshake: success', () => {
  const laptop = deriveIdentity(SEED, 'laptop');
  const totebox = deriveIdentity(SEED, 'totebox');
  const run = runHandshake(party('laptop', 's1'), party('totebox', 's1'), {
    payloads: { 1: utf8ToBytes('hello'), 2: utf8ToBytes('INPUT pairing offered'), 3: utf8ToBytes('accepted') },
  });

  it('succeeds and each side learns the other static key', () => {
    expect(run.protocol).toBe(PROTOCOL_NAME);
    if (!run.outcome.ok) throw new Error(run.outcome.reason);
    expect(run.outcome.initiator.remoteStaticHex).toBe(bytesToHex(totebox.staticKeyPair.publicKey));
    expect(run.outcome.initiator.remoteCellId).toBe(totebox.cellIdText);
    expect(run.outcome.responder.remoteStaticHex).toBe(bytesToHex(laptop.staticKeyPair.publicKey));
    expect(run.outcome.responder.remoteCellId).toBe(laptop.cellIdText);
  });

  it('both sides agree on the handshake hash and on the two transport keys', () => {
    if (!run.outcome.ok) throw new Error(run.outcome.reason);
    const { initiator, responder } = run.outcome;
    expect(initiator.handshakeHashHex).toBe(responder.handshakeHashHex);
    expect(initiator.handshakeHashHex).toMatch(/^[0-9a-f]{64}$/);
    expect(initiator.sendKeyHex).toBe(responder.receiveKeyHex);
    expect(initiator.receiveKeyHex).toBe(responder.sendKeyHex);
    expect(initiator.sendKeyHex).not.toBe(initiator.receiveKeyHex);
  });

  it('hands back working transport sessions, one key per direction, with nonces counting up', () => {
    const { initiator, responder } = run.sessions!;
    const ad = new Uint8Array(0);
    for (const text of ['ls /vault', 'cat notes.txt']) {
      const sealed = initiator.send.encryptWithAd(ad, utf8ToBytes(text));
      expect(new TextDecoder().decode(responder.receive.decryptWithAd(ad, sealed))).toBe(text);
    }
    expect(initiator.send.nonce).toBe(2);
    const reply = responder.send.encryptWithAd(ad, utf8ToBytes('ok'));
    expect(new TextDecoder().decode(initiator.receive.decryptWithAd(ad, reply))).toBe('ok');
    // A message sealed for one direction does not open in the other.
    const stray = initiator.send.encryptWithAd(ad, utf8ToBytes('x'));
    expect(() => initiator.receive.decryptWithAd(ad, stray)).toThrow('AEAD tag mismatch');
    expect(initiator.receive.nonce).toBe(1);
  });

  it('records a trace for the stepper: who, tokens, DHs, bytes and what is learned', () => {
    expect(run.trace.map((s) => [s.index, s.from, s.to, s.tokens.join(',')])).toEqual([
      [1, 'laptop', 'totebox', 'e'],
      [2, 'totebox', 'laptop', 'e,ee,s,es'],
      [3, 'laptop', 'totebox', 's,se'],
    ]);
    expect(run.trace.map((s) => s.dh.map((d) => d.formula))).toEqual([[], ['ee: DH(e_i, e_r)', 'es: DH(e_i, s_r)'], ['se: DH(s_i, e_r)']]);
    for (const step of run.trace) {
      expect(step.ok).toBe(true);
      expect(step.altered).toBe(false);
      expect(step.deliveredHex).toBe(step.sentHex);
      expect(step.length * 2).toBe(step.sentHex.length);
      for (const dh of step.dh) {
        expect(dh.agree).toBe(true);
        expect(dh.senderHex).toBe(dh.receiverHex);
      }
      expect(step.learns.length).toBeGreaterThan(40);
    }
    // Fixed overhead: e = 32; e + enc(s) + tag = 32 + 48 + 16; enc(s) + tag = 48 + 16 (plus the payloads).
    expect(run.trace.map((s) => s.length)).toEqual([32 + 5, 96 + 21, 64 + 8]);
    expect(run.trace.map((s) => new TextDecoder().decode(hexToBytes(s.payloadHex!)))).toEqual([
      'hello',
      'INPUT pairing offered',
      'accepted',
    ]);
    // Message 1's payload is not encrypted: it is right there on the wire after the ephemeral key.
    expect(run.trace[0].sentHex.endsWith(bytesToHex(utf8ToBytes('hello')))).toBe(true);
    expect(run.trace[1].learns).toContain(totebox.cellIdText);
    expect(run.trace[2].learns).toContain(laptop.cellIdText);
    expect(run.trace[2].hashAfterHex).toBe(run.outcome.ok ? run.outcome.handshakeHashHex : null);
  });

  it('keeps the responder identity away from a passive observer (message 2 does not contain it in clear)', () => {
    expect(run.trace[1].sentHex).not.toContain(bytesToHex(totebox.staticKeyPair.publicKey));
    expect(run.trace[2].sentHex).not.toContain(bytesToHex(laptop.staticKeyPair.publicKey));
  });
});

// -----------------------------------------------------------------------------------------------------------

describe('runHandshake: a party claiming a static key it does not hold', () => {
  const totebox = deriveIdentity(SEED, 'totebox');
  const laptop = deriveIdentity(SEED, 'laptop');
  const mallory = deriveIdentity(SEED, 'mallory');

  it('an impostor responder (totebox public key, mallory private key) fails at message 2, on the es payload', () => {
    const impostor: KeyPair = { secretKey: mallory.staticKeyPair.secretKey, publicKey: totebox.staticKeyPair.publicKey };
    const run = runHandshake(party('laptop', 's2'), party('mallory', 's2', { staticKeyPair: impostor }));
    const failed = failureOf(run);
    expect(failed).toMatchObject({ failedMessage: 2, failedStep: 'payload', detectedBy: 'initiator' });
    expect(failed.reason).toBe("message 2: decrypting the responder's payload failed (AEAD tag mismatch)");
    expect(failed.hint).toContain('does not hold the private key');
    // The static key itself decrypted fine (it is protected by ee, which is honest); es is where it breaks.
    const step2 = run.trace[1];
    expect(step2.dh.map((d) => [d.token, d.agree])).toEqual([
      ['ee', true],
      ['es', false],
    ]);
    expect(run.trace).toHaveLength(2);
  });

  it('an impostor initiator (laptop public key, mallory private key) fails at message 3, on the se payload', () => {
    const impostor: KeyPair = { secretKey: mallory.staticKeyPair.secretKey, publicKey: laptop.staticKeyPair.publicKey };
    const run = runHandshake(party('mallory', 's3', { staticKeyPair: impostor }), party('totebox', 's3'));
    const failed = failureOf(run);
    expect(failed).toMatchObject({ failedMessage: 3, failedStep: 'payload', detectedBy: 'responder' });
    expect(failed.reason).toBe("message 3: decrypting the initiator's payload failed (AEAD tag mismatch)");
    expect(run.trace[2].dh.map((d) => [d.token, d.agree])).toEqual([['se', false]]);
    expect(run.trace[1].ok).toBe(true); // the impostor did get through message 2: it is the honest side's reply
  });

  it('a man in the middle with its own key passes Noise alone, and is stopped by the TOFU+ binding', () => {
    // Mallory answers in totebox's place with her own, real key pair: the handshake itself succeeds...
    const unpinned = runHandshake(party('laptop', 's4'), party('mallory', 's4'));
    expect(unpinned.outcome.ok).toBe(true);
    if (unpinned.outcome.ok) expect(unpinned.outcome.initiator.remoteCellId).toBe(mallory.cellIdText);
    // ...but a laptop that bound totebox's key on first contact aborts as soon as it reads her static key.
    const pinned = runHandshake(party('laptop', 's4', { expectedRemoteStatic: totebox.staticKeyPair.publicKey }), party('mallory', 's4'));
    const failed = failureOf(pinned);
    expect(failed).toMatchObject({ failedMessage: 2, failedStep: 'pinned-key', detectedBy: 'initiator' });
    expect(failed.reason).toBe(
      `message 2: the responder's static key (CellID ${mallory.cellIdText}) is not the one bound on first use (CellID ${totebox.cellIdText})`,
    );
    // The genuine totebox passes the same pin.
    const genuine = runHandshake(party('laptop', 's5', { expectedRemoteStatic: totebox.staticKeyPair.publicKey }), party('totebox', 's5'));
    expect(genuine.outcome.ok).toBe(true);
  });

  it('the responder can pin the initiator too (checked in message 3)', () => {
    const run = runHandshake(party('mallory', 's6'), party('totebox', 's6', { expectedRemoteStatic: laptop.staticKeyPair.publicKey }));
    expect(failureOf(run)).toMatchObject({ failedMessage: 3, failedStep: 'pinned-key', detectedBy: 'responder' });
  });
});

// -----------------------------------------------------------------------------------------------------------

describe('runHandshake: altered messages (one bit flipped in one byte)', () => {
  const initiator = party('laptop', 'tamper');
  const responder = party('totebox', 'tamper');

  it('message 1 (the clear ephemeral key): accepted by the responder, detected by the initiator at message 2, step s', () => {
    for (let position = 0; position < 32; position++) {
      const run = runHandshake(initiator, responder, { intercept: flipByte(1, position) });
      expect(run.trace[0]).toMatchObject({ ok: true, altered: true });
      expect(failureOf(run), `byte ${position}`).toMatchObject({ failedMessage: 2, failedStep: 's', detectedBy: 'initiator' });
      expect(failureOf(run).reason).toBe("message 2: decrypting the responder's static key failed (AEAD tag mismatch)");
    }
  });

  it('message 1 with a clear payload: altering the payload is also caught at message 2 (it is in the transcript hash)', () => {
    const run = runHandshake(initiator, responder, { payloads: { 1: utf8ToBytes('hello') }, intercept: flipByte(1, 34) });
    expect(run.trace[0].ok).toBe(true);
    expect(run.trace[0].payloadHex).toBe(bytesToHex(utf8ToBytes('hemlo'))); // the responder did read the altered text
    expect(failureOf(run)).toMatchObject({ failedMessage: 2, failedStep: 's', detectedBy: 'initiator' });
  });

  it('message 2: bytes 0-79 (ephemeral key, encrypted static key) fail at step s, bytes 80-95 (payload tag) at payload', () => {
    for (let position = 0; position < 96; position++) {
      const run = runHandshake(initiator, responder, { intercept: flipByte(2, position) });
      const expected = position < 80 ? 's' : 'payload';
      expect(failureOf(run), `byte ${position}`).toMatchObject({ failedMessage: 2, failedStep: expected, detectedBy: 'initiator' });
    }
  });

  it('message 3: bytes 0-47 (encrypted static key) fail at step s, bytes 48-63 (payload tag) at payload', () => {
    for (let position = 0; position < 64; position++) {
      const run = runHandshake(initiator, responder, { intercept: flipByte(3, position) });
      const expected = position < 48 ? 's' : 'payload';
      expect(failureOf(run), `byte ${position}`).toMatchObject({ failedMessage: 3, failedStep: expected, detectedBy: 'responder' });
      expect(failureOf(run).reason).toBe(
        expected === 's'
          ? "message 3: decrypting the initiator's static key failed (AEAD tag mismatch)"
          : "message 3: decrypting the initiator's payload failed (AEAD tag mismatch)",
      );
    }
  });

  it('a truncated message fails at the token that runs out of bytes', () => {
    const run = runHandshake(initiator, responder, { intercept: (i, b) => (i === 2 ? b.slice(0, 50) : b) });
    const failed = failureOf(run);
    expect(failed).toMatchObject({ failedMessage: 2, failedStep: 's', detectedBy: 'initiator' });
    expect(failed.reason).toBe('message 2: the message is too short: the encrypted static key needs 48 bytes, only 18 left');
  });

  it('a different prologue on one side fails at message 2, step s (the prologue is bound into h)', () => {
    const run = runHandshake({ ...initiator, prologue: utf8ToBytes('capplay v1') }, { ...responder, prologue: utf8ToBytes('capplay v2') });
    expect(failureOf(run)).toMatchObject({ failedMessage: 2, failedStep: 's' });
    expect(runHandshake(initiator, responder, { prologue: utf8ToBytes('capplay v1') }).outcome.ok).toBe(true);
  });
});

// -----------------------------------------------------------------------------------------------------------

describe('runHandshake: replayed messages', () => {
  it('message 2 recorded in session A and replayed into session B (new initiator ephemeral) fails at message 2, step s', () => {
    let recorded: Uint8Array | null = null;
    const sessionA = runHandshake(party('laptop', 'A'), party('totebox', 'A'), {
      intercept: (i, bytes) => {
        if (i === 2) recorded = bytes.slice();
        return bytes;
      },
    });
    expect(sessionA.outcome.ok).toBe(true);

    // Even if the responder reused its ephemeral key, the replay answers A's initiator ephemeral, not B's.
    const sessionB = runHandshake(party('laptop', 'B'), party('totebox', 'A'), {
      intercept: (i, bytes) => (i === 2 ? recorded! : bytes),
    });
    expect(sessionB.trace[1].altered).toBe(true);
    const failed = failureOf(sessionB);
    expect(failed).toMatchObject({ failedMessage: 2, failedStep: 's', detectedBy: 'initiator' });
    expect(failed.hint).toContain('replayed');
    // Session B's own responder (same ephemeral) computes the same ee as the initiator, so the DH trace
    // agrees; what fails is the replayed bytes, sealed under session A's ee and transcript.
    expect(sessionB.trace[1].dh.find((d) => d.token === 'ee')!.agree).toBe(true);
    expect(sessionB.trace[1].dh.find((d) => d.token === 'es')!.receiverHex).toBeNull();
  });

  it('message 3 recorded in session A and replayed into session B fails at message 3, step s', () => {
    let recorded: Uint8Array | null = null;
    runHandshake(party('laptop', 'A'), party('totebox', 'A'), {
      intercept: (i, bytes) => {
        if (i === 3) recorded = bytes.slice();
        return bytes;
      },
    });
    const sessionB = runHandshake(party('laptop', 'B'), party('totebox', 'B'), {
      intercept: (i, bytes) => (i === 3 ? recorded! : bytes),
    });
    expect(failureOf(sessionB)).toMatchObject({ failedMessage: 3, failedStep: 's', detectedBy: 'responder' });
  });
});

// -----------------------------------------------------------------------------------------------------------

describe('runHandshake: determinism', () => {
  it('same seeds give an identical trace and outcome, byte for byte', () => {
    const first = runHandshake(party('laptop', 'd'), party('totebox', 'd'), { payloads: { 2: utf8ToBytes('x') } });
    const second = runHandshake(party('laptop', 'd'), party('totebox', 'd'), { payloads: { 2: utf8ToBytes('x') } });
    expect(JSON.stringify(second.trace)).toBe(JSON.stringify(first.trace));
    expect(JSON.stringify(second.outcome)).toBe(JSON.stringify(first.outcome));
  });

  it('a new session label gives new ephemeral keys, so new bytes and new transport keys, with the same identities', () => {
    const a = runHandshake(party('laptop', 'd1'), party('totebox', 'd1'));
    const b = runHandshake(party('laptop', 'd2'), party('totebox', 'd2'));
    expect(a.trace.map((s) => s.sentHex)).not.toEqual(b.trace.map((s) => s.sentHex));
    if (!a.outcome.ok || !b.outcome.ok) throw new Error('expected success');
    expect(a.outcome.handshakeHashHex).not.toBe(b.outcome.handshakeHashHex);
    expect(a.outcome.initiator.sendKeyHex).not.toBe(b.outcome.initiator.sendKeyHex);
    expect(a.outcome.initiator.remoteCellId).toBe(b.outcome.initiator.remoteCellId);
  });

  it('the trace is plain data (JSON round-trips unchanged)', () => {
    const run = runHandshake(party('laptop', 'j'), party('totebox', 'j'));
    expect(JSON.parse(JSON.stringify({ trace: run.trace, outcome: run.outcome }))).toEqual({ trace: run.trace, outcome: run.outcome });
  });
});

// -----------------------------------------------------------------------------------------------------------

describe('HandshakeState (step by step)', () => {
  const make = (role: 'initiator' | 'responder', machine: string) => {
    const id = deriveIdentity(SEED, machine);
    return new HandshakeState({ role, staticKeyPair: id.staticKeyPair, ephemeralSeed: deriveEphemeralSeed(SEED, machine, 'manual') });
  };

  it('can be driven by hand, with a man in the middle relaying and inspecting', () => {
    const laptop = make('initiator', 'laptop');
    const totebox = make('responder', 'totebox');
    expect([laptop.nextMessage, laptop.isWriter, totebox.isWriter]).toEqual([1, true, false]);
    const m1 = laptop.writeMessage();
    expect(totebox.readMessage(m1)).toHaveLength(0);
    expect(bytesToHex(totebox.remoteEphemeralPublicKey!)).toBe(bytesToHex(m1.subarray(0, 32)));
    expect(totebox.remoteStaticPublicKey).toBeNull(); // XX: nobody knows who the initiator is yet
    const m2 = totebox.writeMessage();
    laptop.readMessage(m2);
    expect(bytesToHex(laptop.remoteStaticPublicKey!)).toBe(bytesToHex(deriveIdentity(SEED, 'totebox').staticKeyPair.publicKey));
    totebox.readMessage(laptop.writeMessage());
    expect(laptop.complete && totebox.complete).toBe(true);
    expect(bytesToHex(laptop.handshakeHash)).toBe(bytesToHex(totebox.handshakeHash));
    expect(laptop.nextMessage).toBeNull();
  });

  it('rejects a message out of turn, and stays failed afterwards', () => {
    const laptop = make('initiator', 'laptop');
    let error: unknown;
    try {
      laptop.readMessage(new Uint8Array(32));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HandshakeError);
    expect(error).toMatchObject({
      messageIndex: 1,
      step: 'turn',
      message: "message 1: it is not the initiator's turn to read this message",
    });
    expect(laptop.failed).toBe(error);
    expect(() => laptop.writeMessage()).toThrow(error as Error);
  });

  it('refuses the session before completion', () => {
    expect(() => make('initiator', 'laptop').session).toThrow('not complete');
  });
});
