/**
 * Replay speed: how fast a session (scenario + seed + command log) is re-executed, and how long one scrub of
 * the timeline takes on a session of 10,000+ ledger events (target: a scrub lands in <= 200 ms). Prints JSON.
 */
import { KernelHost } from '../src/kernel/host';

const host = new KernelHost(undefined, false);
// A busy session: children spawned with grants and killed again, time passing in between.
for (let i = 0; host.kernel.ledger.length < 10_000; i++) {
  const before = host.kernel.ledger.length;
  const out = host.exec('spawn "idle" with { chat: @chat_participant, io: client @stdio }').lines[0]?.text ?? '';
  const pid = /as pid (\d+)/.exec(out)?.[1];
  host.kernel.step(3);
  host.exec(`kill ${pid}`);
  host.exec(`wait ${pid}`); // reaps the handle, as a shell would
  host.kernel.step(2);
  if (!pid || host.kernel.ledger.length === before) throw new Error(`the session stopped growing: ${out}`);
}
const session = host.session();
const events = host.kernel.ledger.length;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const restores: number[] = [];
for (let r = 0; r < 5; r++) {
  const fresh = new KernelHost(undefined, false);
  const t = performance.now();
  fresh.restoreNow(session);
  restores.push(performance.now() - t);
  if (fresh.kernel.ledger.length !== events) throw new Error('replay diverged');
}
const scrubs: number[] = [];
for (const at of [0.1, 0.5, 0.9, 0.99, 0.25, 0.75]) {
  const t = performance.now();
  await host.travel(Math.floor(events * at));
  scrubs.push(performance.now() - t);
}
host.travelEnd();
const replayMs = median(restores);
console.log(
  JSON.stringify({
    sessionEvents: events,
    sessionCommands: session.log.length,
    fullReplayMs: +replayMs.toFixed(1),
    entriesReplayedPerSecond: Math.round((events / replayMs) * 1000),
    scrubMs: { median: +median(scrubs).toFixed(1), worst: +Math.max(...scrubs).toFixed(1), target: '<= 200' },
  }),
);
