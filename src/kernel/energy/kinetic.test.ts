import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KernelHost } from '../host';
import type { Kernel } from '../kernel';
import { charge, newMeter, refillIfDue, TIER_IDS, TIERS, U32_MAX, VERBS, type Tier, type Verb } from './kinetic';

const host = () => new KernelHost(undefined, false);
const shellOf = (k: Kernel) => [...k.processes.values()].find((p) => p.program === 'shell')!;
const count = (k: Kernel, pred: (d: string, kind: string) => boolean) => k.ledger.page(1, 1e6).filter((e) => pred(e.detail, e.kind)).length;

describe('verbs and their costs', () => {
  it('has the seven verbs at the seed’s prices', () => {
    expect(VERBS).toEqual({ SPAWN: 500, SEND: 5, RECV: 2, MAP: 10, MASK: 3, TICK: 1, GRANT: 20 });
  });

  it('charges SPAWN to the parent, SEND to caller and server, GRANT to the granter', () => {
    const h = host();
    const k = h.kernel;
    const shell = shellOf(k);
    const chat = [...k.processes.values()].find((p) => p.name === 'chat')!;
    const before = { shell: shell.meter.energy, chat: chat.meter.energy };
    h.exec('call @chat_participant who "#lobby"');
    expect(shell.meter.energy).toBe(before.shell - 5);
    expect(chat.meter.energy).toBe(before.chat - 5); // the RETURN
    h.exec('spawn "idle"');
    expect(shell.meter.energy).toBe(before.shell - 5 - 500);
    h.exec('grant @idle @chat_participant');
    expect(shell.meter.energy).toBe(before.shell - 5 - 500 - 20);
    expect(shell.spent).toBe(525);
  });

  it('help verbs shows the mapping and the costs', () => {
    const text = host()
      .exec('help verbs')
      .lines.map((l) => l.text)
      .join('\n');
    expect(text).toMatch(/SPAWN\s+500 J/);
    expect(text).toMatch(/CALL through a cap.*SEND/);
    expect(text).toMatch(/RETURN from a service \(paid by the server\)\s+SEND/);
    expect(text).toMatch(/Photon 8 ms, Matter 16 ms, Gravity 100 ms, Void 1000 ms/);
  });
});

describe('freeze and refill on the virtual clock', () => {
  it.each(TIERS.map((t) => [t.id, t.periodMs] as [Tier, number]))('%s refills every %i ms', (tier, period) => {
    const m = newMeter(0, tier);
    m.energy = 3;
    expect(charge(m, 'SEND')).toBe(false); // cannot pay: nothing spent
    expect(m.energy).toBe(3);
    expect(refillIfDue(m, period - 1)).toBe(false);
    expect(refillIfDue(m, period)).toBe(true);
    expect(m.energy).toBe(2000);
    expect(m.nextRefill).toBe(2 * period);
  });

  it('a fiber that cannot pay freezes until its refill, then carries on: latency, not an error', () => {
    const h = host();
    const k = h.kernel;
    h.exec('spawn "flooder" with { chat: @chat_participant }');
    const flooder = [...k.processes.values()].find((p) => p.program === 'flooder')!;
    expect(flooder.meter.tier).toBe('void');
    k.step(20);
    expect(flooder.state).toBe('frozen');
    expect(flooder.meter.energy).toBeLessThan(5);
    const spent = flooder.spent;
    k.step(flooder.meter.nextRefill - k.time - 1);
    expect(flooder.spent).toBe(spent); // frozen: nothing ran, nothing failed
    expect(flooder.state).toBe('frozen');
    k.step(1);
    expect(flooder.spent).toBeGreaterThan(spent); // refilled: its pending send ran, and it carried on
    expect(k.ledger.page(1, 1e6).some((e) => e.actor === flooder.pid && e.kind === 'deny')).toBe(false);
  });
});

describe('the fork bomb and the flooder are capped per refill', () => {
  it('a fork bomb gets exactly 4 spawns per refill, and the shell stays responsive', () => {
    const h = host();
    const k = h.kernel;
    h.exec('spawn "forkbomb" with { spawner: @spawner }');
    const bomb = [...k.processes.values()].find((p) => p.program === 'forkbomb')!;
    const spawns = () => count(k, (d, kind) => kind === 'spawn' && /runs "bomblet"/.test(d));
    k.step(bomb.meter.nextRefill - k.time - 1); // the first refill period
    expect(spawns()).toBe(4);
    k.step(1000); // one more refill
    expect(spawns()).toBe(8);
    expect(h.exec('ps').lines[0].text).toMatch(/^PID/);
    k.step(10_000);
    expect(k.processes.size).toBeLessThan(9 + 2 + 16); // bomblets live 3 s: at most ~16 at once
  });

  it('with budgets off the same fork bomb fills the process table and starves everyone else of it', () => {
    const h = host();
    h.exec('defense energy off');
    h.exec('spawn "forkbomb" with { spawner: @spawner }');
    h.kernel.step(50);
    expect(h.kernel.processes.size).toBe(h.kernel.capacity.processes);
    expect(h.exec('spawn "idle"').lines[0].text).toMatch(/ECAPACITY: process table is full/);
  });

  it('a fork bomb whose cap table is full of handles is refused its next spawn whole: no child is left without its program', () => {
    const h = host();
    const k = h.kernel;
    h.exec('defense energy off');
    h.exec('spawn "forkbomb" with { spawner: @spawner }');
    const bomb = [...k.processes.values()].find((p) => p.program === 'forkbomb')!;
    k.step(4050); // the first bomblets have exited; their handles stay in the bomb's table until it waits
    expect(bomb.cnode.full).toBe(true);
    expect([...k.processes.values()].filter((p) => !p.fiber)).toEqual([]);
    expect(k.ledger.page(1, 1e6).filter((e) => e.kind === 'spawn' && e.actor === bomb.pid).length).toBe(bomb.cnode.size - 1);
    h.exec('kill @forkbomb');
    k.step(3100);
    expect([...k.processes.values()].filter((p) => p.program === 'bomblet')).toEqual([]);
  });

  it('a well-behaved interactive fiber keeps a low latency while a fork bomb and a flooder run', () => {
    const h = host();
    const k = h.kernel;
    h.exec('spawn "forkbomb" with { spawner: @spawner }');
    h.exec('spawn "flooder" with { chat: @chat_participant }');
    h.exec('spawn "pinger" with { chat: @chat_participant }');
    const pinger = [...k.processes.values()].find((p) => p.program === 'pinger')!;
    h.exec(`tier ${pinger.pid} matter`);
    let worst = 0;
    for (let t = 0; t < 5000; t++) {
      k.step(1);
      worst = Math.max(worst, pinger.latency);
    }
    expect(pinger.spent).toBeGreaterThan(0);
    expect(worst).toBe(0); // never frozen, never waiting on a frozen server
  });

  it('a flooder gets exactly 400 sends per refill', () => {
    const h = host();
    const k = h.kernel;
    h.exec('spawn "flooder" with { chat: @chat_participant }');
    const flooder = [...k.processes.values()].find((p) => p.program === 'flooder')!;
    k.step(flooder.meter.nextRefill - k.time - 1);
    expect(flooder.spent / VERBS.SEND).toBe(400); // every CALL is a SEND: 2000 J buys 400 of them
    k.step(1000);
    expect(flooder.spent / VERBS.SEND).toBe(800);
  });
});

describe('properties', () => {
  const verbArb = fc.constantFrom(...(Object.keys(VERBS) as Verb[]));
  it('a meter never goes negative or above u32, and pays only what it has', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TIER_IDS),
        fc.integer({ min: 0, max: U32_MAX }),
        fc.array(
          fc.oneof(
            verbArb.map((v) => ({ v })),
            fc.integer({ min: 1, max: 3000 }).map((dt) => ({ dt })),
          ),
          { maxLength: 200 },
        ),
        (tier, budget, ops) => {
          const m = newMeter(0, tier, budget);
          let now = 0;
          for (const op of ops) {
            if ('dt' in op) {
              now += op.dt;
              refillIfDue(m, now);
            } else {
              const before = m.energy;
              const paid = charge(m, op.v);
              expect(paid).toBe(before >= VERBS[op.v]);
              expect(m.energy).toBe(paid ? before - VERBS[op.v] : before);
            }
            expect(m.energy).toBeGreaterThanOrEqual(0);
            expect(m.energy).toBeLessThanOrEqual(U32_MAX);
            expect(Number.isInteger(m.energy)).toBe(true);
          }
        },
      ),
    );
  });

  it('under random load and tiers no fiber’s balance ever leaves [0, budget]', { timeout: 30_000 }, () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('forkbomb', 'flooder', 'pinger', 'chat'), { minLength: 1, maxLength: 4 }),
        fc.array(fc.constantFrom(...TIER_IDS), { minLength: 4, maxLength: 4 }),
        fc.integer({ min: 1, max: 250 }),
        (programs, tiers, ticks) => {
          const h = host();
          programs.forEach((prog, i) => {
            const grants = prog === 'forkbomb' ? '{ spawner: @spawner }' : '{ stdio: client @stdio, chat: @chat_participant }';
            h.exec(`spawn "${prog === 'chat' ? 'chat-client' : prog}" with ${grants}`);
            const child = Math.max(...h.kernel.processes.keys());
            h.exec(`tier ${child} ${tiers[i]}`);
          });
          for (let t = 0; t < ticks; t++) {
            h.kernel.step(1);
            for (const p of h.kernel.processes.values()) {
              expect(p.meter.energy).toBeGreaterThanOrEqual(0);
              expect(p.meter.energy).toBeLessThanOrEqual(p.meter.budget);
            }
          }
        },
      ),
      { numRuns: 12 },
    );
  });
});
