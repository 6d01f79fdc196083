import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { GALLERY, playEntry } from '../cli/gallery';
import { KernelHost } from '../kernel/host';
import { BUILT_IN_SCENARIOS } from '../content/scenarios';
import { SCRIPTS } from './scripts';

/**
 * Golden replays: every built-in scenario (driven by a script touching every shell command) and every gallery
 * entry (defense on and off) must end at the same ledger head, with the same shell output, as the fixture says.
 * The fixture is regenerated only deliberately: GOLDEN_UPDATE=1 npx vitest run src/golden (say so in the commit).
 */

const FIXTURE = new URL('./heads.json', import.meta.url);
const update = process.env.GOLDEN_UPDATE === '1';
const stored: Record<string, { head: string; output: string }> = existsSync(FIXTURE) ? JSON.parse(readFileSync(FIXTURE, 'utf8')) : {};
const found: Record<string, { head: string; output: string }> = {};
const digest = (lines: string[]) => bytesToHex(sha256(utf8ToBytes(lines.join('\n'))));

function check(name: string, head: string, output: string[]) {
  found[name] = { head, output: digest(output) };
  if (update) return;
  expect(stored[name], `no golden head for ${name}: run GOLDEN_UPDATE=1 npx vitest run src/golden`).toBeDefined();
  expect(found[name]).toEqual(stored[name]);
}

describe('golden replays', () => {
  for (const scenario of BUILT_IN_SCENARIOS) {
    it(`scenario ${scenario.id}: the script ends at the golden ledger head and output`, () => {
      const host = new KernelHost(undefined, false);
      const booted = host.boot(scenario.text, 7);
      expect(booted.ok).toBe(true);
      const output: string[] = [];
      let printed = 0;
      for (const step of SCRIPTS[scenario.id] ?? SCRIPTS.default) {
        if (step === 'interrupt') host.interrupt();
        else if (typeof step === 'number') host.kernel.step(step);
        else if (typeof step === 'object' && 'complete' in step)
          output.push(`complete ${step.complete}|${host.complete(step.complete, step.complete.length).candidates.join(' ')}`);
        else if (typeof step === 'object') host.input(step.input);
        else for (const l of host.exec(step).lines) output.push(`${l.style ?? ''}|${l.text}`);
        host.settle();
        const c = host.kernel.console;
        for (; printed < c.length; printed++) output.push(`${c[printed].pid}:${c[printed].style}:${c[printed].text}`);
      }
      // The log replays to the same head too.
      const again = new KernelHost(undefined, false);
      expect(again.restoreNow(JSON.parse(JSON.stringify(host.session())))).toMatchObject({ ok: true });
      expect(bytesToHex(again.kernel.ledger.headHash())).toBe(bytesToHex(host.kernel.ledger.headHash()));
      check(`scenario:${scenario.id}`, bytesToHex(host.kernel.ledger.headHash()), output);
    });
  }

  for (const entry of GALLERY) {
    for (const mode of ['on', 'off'] as const) {
      it(`gallery ${entry.id}, defense ${mode}: the golden ledger head and transcript`, () => {
        const r = playEntry(entry, mode);
        check(`gallery:${entry.id}:${mode}`, r.head, r.transcript);
      });
    }
  }

  it('writes the fixture only when asked', () => {
    if (update) writeFileSync(FIXTURE, `${JSON.stringify(found, null, 2)}\n`);
    expect(Object.keys(update ? found : stored).length).toBeGreaterThan(0);
  });
});
