import type { Ledger } from '../kernel/ledger/ledger';
import { bytesToHex } from '@noble/hashes/utils.js';
import { KernelHost } from '../kernel/host';
import { scenarioText, stepLines, type GalleryEntry, type GalleryMode } from '../content/gallery/entries';
import { compiled } from '../kernel/checks/pattern';
import { verdictOutcome, type LedgerEntry, type VerdictOutcome } from '../kernel/sab/layout';

export * from '../content/gallery/entries';

/**
 * The headless gallery player: boots an entry's scenario in a KernelHost (no worker, no DOM) and plays its steps,
 * for the tests and `npx capplay gallery`. The entries themselves are data, in entries.ts.
 */

export interface PlayedStep {
  narration: string;
  /** "$ line", its output indented, and what programs printed ("| …"). */
  transcript: string[];
}

export interface PlayResult {
  transcript: string[];
  steps: PlayedStep[];
  /** The newest verdict ledger record (what the banner shows), or "" if there is none. */
  verdict: string;
  /** Its outcome (the record's field: what colours the banner), if there is a verdict. */
  outcome?: VerdictOutcome;
  /** The verdict matches `expect[mode]`. */
  ok: boolean;
  /** The ledger's head hash at the end, hex (the golden replays compare it). */
  head: string;
  /** The world's ledger at the end (gallery --export writes it). */
  ledger: Ledger;
}

/** The newest 'verdict' ledger record after `sinceSeq`, if any. */
function newestVerdictRecord(host: KernelHost, sinceSeq = 0): LedgerEntry | undefined {
  const k = host.kernel;
  for (let seq = k.ledger.length; seq > sinceSeq; seq--) {
    const e = k.ledger.page(seq, 1)[0];
    if (e?.kind === 'verdict') return e;
  }
  return undefined;
}

/** The newest 'verdict' ledger record's text after `sinceSeq`, or "". */
export function newestVerdict(host: KernelHost, sinceSeq = 0): string {
  return newestVerdictRecord(host, sinceSeq)?.detail ?? '';
}

/**
 * Play an entry headlessly: boot its scenario, set its defense (as a shell `defense` line, so the log replays),
 * run each step's lines and virtual time, and read the final verdict.
 */
export function playEntry(entry: GalleryEntry, mode: GalleryMode, seed?: number): PlayResult {
  const host = new KernelHost(undefined, false);
  const booted = host.boot(scenarioText(entry.scenario), seed);
  if (!booted.ok) throw new Error(`gallery ${entry.id}: ${booted.errors.join('; ')}`);
  const bootSeq = host.kernel.ledger.length;
  let printed = host.kernel.console.length;
  const run = (line: string, into: string[]) => {
    into.push(`$ ${line}`);
    for (const l of host.exec(line).lines) into.push(`  ${l.text}`);
  };
  const drain = (into: string[]) => {
    const c = host.kernel.console;
    for (; printed < c.length; printed++) into.push(`  | ${c[printed].text}`);
  };
  const steps: PlayedStep[] = [];
  const setup: string[] = [];
  if (entry.defense) run(`defense ${entry.defense} ${mode}`, setup);
  for (const [i, step] of entry.steps.entries()) {
    const t = i === 0 ? setup : [];
    for (const line of stepLines(step, mode)) {
      run(line, t);
      host.settle();
      drain(t);
    }
    if (step.wait) host.kernel.step(step.wait);
    drain(t);
    steps.push({ narration: step.narration, transcript: t });
  }
  const last = newestVerdictRecord(host, bootSeq);
  const verdict = last?.detail ?? '';
  const outcome = last && verdictOutcome(last);
  return {
    transcript: steps.flatMap((s) => s.transcript),
    steps,
    verdict,
    ...(outcome ? { outcome } : {}),
    ok: verdict !== '' && compiled(entry.expect[mode]).test(verdict),
    head: bytesToHex(host.kernel.ledger.headHash()),
    ledger: host.kernel.ledger,
  };
}
