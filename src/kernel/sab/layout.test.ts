import { describe, expect, it } from 'vitest';
import { KernelHost } from '../host';
import {
  CAP,
  CAP_KINDS,
  Frame,
  H,
  OBJ,
  PROC,
  PROC_STATES,
  readFrame,
  readLedger,
  SabViews,
  StringTable,
  TARGET_KINDS,
  type Capacity,
} from './layout';
import { decodeUtf8, encodeUtf8Into } from './utf8';

const small: Capacity = {
  processes: 16,
  caps: 64,
  objects: 16,
  machines: 2,
  ledgerRing: 8,
  strings: 256,
  stringBytes: 8192,
  consoleLines: 16,
};

describe('SAB layout', () => {
  it('round-trips the kernel state through the buffer', () => {
    const host = new KernelHost(small, true);
    const views = new SabViews(host.buffer()); // a reader learns the capacity from the header
    const frame = new Frame(views.layout.capacity);
    const strings = new StringTable(views);
    expect(readFrame(views, frame)).toBe(true);
    expect(frame.procRows).toBe(9);
    const names = Array.from({ length: frame.procRows }, (_, r) => strings.get(frame.proc[PROC.NAME][r]));
    expect(names).toEqual(['init', 'stdio', 'chat', 'shell', 'echo', 'alice', 'bob', 'adventure', 'troll']);
    expect(PROC_STATES[frame.proc[PROC.STATE][0]]).toBe('ready');
    expect(strings.get(frame.scenarioName)).toBe('Chat on one machine');
    expect(frame.selfPid).toBe(4);
    // alice's chat cap: a client facet on the chat endpoint
    const rows = Array.from({ length: frame.capRows }, (_, r) => r).filter((r) => frame.cap[CAP.HOLDER][r] === 6);
    const chat = rows.find((r) => strings.get(frame.cap[CAP.NAME][r]) === 'chat')!;
    expect(CAP_KINDS[frame.cap[CAP.KIND][chat]]).toBe('client');
    expect(TARGET_KINDS[frame.cap[CAP.TARGET_KIND][chat]]).toBe('object');
    const objRow = Array.from({ length: frame.objRows }, (_, r) => r).find((r) => frame.obj[OBJ.ID][r] === frame.cap[CAP.TARGET][chat])!;
    expect(strings.get(frame.obj[OBJ.NAME][objRow])).toBe('chat');
    expect(frame.capRows).toBe(host.kernel.liveCaps);
  });

  it('keeps only the newest events in the ledger ring; the worker still has all of them', () => {
    const host = new KernelHost(small, true);
    const total = host.kernel.ledger.length;
    expect(total).toBeGreaterThan(small.ledgerRing);
    const { entries, firstAvailable, head } = readLedger(host.views, 1)!;
    expect(head).toBe(total);
    expect(firstAvailable).toBe(total - small.ledgerRing + 1);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: small.ledgerRing }, (_, i) => firstAvailable + i));
    // Of a record's facts the ring carries only a verdict's outcome; the newest record here is not a verdict.
    const { facts, ...rest } = host.kernel.ledger.last(1)[0];
    expect(facts).toBeDefined();
    expect(entries.at(-1)).toEqual(rest);
    expect(host.ledgerPage(1, 3).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('a reader never sees a half-written publish', () => {
    const host = new KernelHost(small, true);
    const frame = new Frame(small);
    Atomics.add(host.views.header, H.SEQ, 1); // writer mid-publish (or dead mid-publish): readers give up, not spin
    expect(readFrame(host.views, frame)).toBe(false);
    expect(readLedger(host.views, 1)).toBeNull();
    Atomics.add(host.views.header, H.SEQ, 1);
    expect(readFrame(host.views, frame)).toBe(true);
  });

  it('refuses a buffer that is not ours', () => {
    expect(() => new SabViews(new SharedArrayBuffer(4096))).toThrow(/not a capplay state buffer/);
  });

  it('truncates long ledger details at a character boundary', () => {
    const out = new Uint8Array(8);
    const n = encodeUtf8Into('ab€€€', out, 0, 8); // € is 3 bytes: 2 + 3 + 3 = 8
    expect(decodeUtf8(out.subarray(0, n))).toBe('ab€€');
    expect(decodeUtf8(out.subarray(0, encodeUtf8Into('🙂x', out, 0, 3)))).toBe('');
    const s = 'naïve 日本 🙂';
    const buf = new Uint8Array(64);
    expect(decodeUtf8(buf.subarray(0, encodeUtf8Into(s, buf, 0, 64)))).toBe(s);
  });
});

describe('string table across reboots', () => {
  it('resolves names of the new scenario after a reboot reuses the ids', () => {
    const host = new KernelHost(small, true);
    const frame = new Frame(small);
    const strings = new StringTable(host.views);
    readFrame(host.views, frame);
    strings.sync(frame);
    const nameOf = () => strings.get(frame.scenarioName);
    expect(nameOf()).toBe('Chat on one machine');
    for (let id = 1; id < frame.stringCount; id++) strings.get(id); // every id cached under the old scenario
    const solo = {
      format: 'capplay-scenario',
      version: 1,
      name: 'Solo',
      machines: [{ name: 'm' }],
      processes: [{ name: 'sh', program: 'shell' }],
    };
    expect(host.boot(JSON.stringify(solo)).ok).toBe(true);
    readFrame(host.views, frame);
    strings.sync(frame);
    expect(nameOf()).toBe('Solo');
    expect(strings.get(frame.proc[PROC.NAME][0])).toBe('sh');
  });
});
