import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lessonById, lessonScenario } from '../content/lessons/lessons';
import worm from '../content/scenarios/worm.json';
import { main, runScenario } from './run';

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      out: (l: string) => out.push(l),
      err: (l: string) => err.push(l),
      readFile: (p: string) =>
        files[p] ??
        (() => {
          throw new Error(`ENOENT: ${p}`);
        })(),
    },
  };
};
const files: Record<string, string> = {};

/** The relabel lesson, with a script that does it and expectations about both verdicts. */
function relabelScenario(extra: Record<string, unknown> = {}) {
  const s = JSON.parse(lessonScenario(lessonById('relabel')!));
  s.script = [
    { line: 'run "chat-client" with { stdio: client @stdio, chat: client @chat badge 200 }' },
    { line: 'defense gate0 off' },
    { line: 'run "chat-client" with { stdio: client @stdio, chat: client @chat badge 200 }', wait: 30 },
    { line: 'defense gate0 on' },
    { line: 'kill @chat-client' },
  ];
  s.expect = [{ verdict: '^relabel blocked' }, { verdict: 'speaks as bob' }];
  return JSON.stringify({ ...s, ...extra });
}

describe('the headless runner', () => {
  it('lines up the ledger listing: an appended record’s detail starts where a boot record’s does', () => {
    const c = capture();
    const s = { ...structuredClone(worm), script: [{ line: 'call @notes append "hi"' }] };
    expect(runScenario(JSON.stringify(s), { source: 'worm.json' }, c.io)).toBe(0);
    const at = (kind: string, detail: string) => {
      const line = c.out.find((l) => new RegExp(`^ *\\d+ +\\S+s  ${kind} `).test(l))!;
      return line.indexOf(detail);
    };
    expect(at('appended', 'shell (pid')).toBe(at('boot', 'boot "service-fs'));
  });

  it('runs a good scenario: transcript, ledger, summary; exit 0', () => {
    const c = capture();
    expect(runScenario(relabelScenario(), { source: 'relabel.json' }, c.io)).toBe(0);
    const text = c.out.join('\n');
    expect(c.out[0]).toBe('capplay run: relabel.json: "Chat on one machine", seed 2026, 5 script lines, 0.030s of virtual time');
    expect(text).toContain(
      '── transcript ──\n$ run "chat-client" with { stdio: client @stdio, chat: client @chat badge 200 }\n  run: EGATE0: grant "chat: client @chat badge 200" refused.',
    );
    expect(text).toMatch(/── ledger ──\n 1 {5}0\.000s {2}boot {6}boot "Chat on one machine" with seed 2026\n/);
    expect(text).toMatch(/\n\d+ +0\.000s {2}verdict {3}relabel succeeded: chat-client \(pid 10\) holds badge 200/);
    expect(text).toContain('lesson "Make the relabel fail": 4 of 4 steps done');
    expect(text).toMatch(/✓ expect\[0\] verdict \/\^relabel blocked\/: the verdict reads "relabel blocked: Gate 0/);
    expect(text).toContain('✓ lesson step 2: Turn Gate 0 off (the top bar, or the shell). — Gate 0 relabel check is off');
    expect(text).toContain(
      '✓ lesson step 4: Turn Gate 0 back on and end the impostor (/exit in it, or kill @chat-client). — Gate 0 relabel check is on; no running chat-client holds @stdio',
    );
    expect(c.out.at(-1)).toBe('6 of 6 passed');
    expect(c.err).toEqual([]);
  });

  it('exit 1 when an expectation or a lesson check fails, saying why; --quiet prints only the summary', () => {
    const c = capture();
    const text = JSON.parse(relabelScenario());
    text.script = text.script.slice(0, 2); // never runs the relabel with Gate 0 off
    text.expect.push({ verdict: 'relabel succeeded' });
    expect(runScenario(JSON.stringify(text), { quiet: true }, c.io)).toBe(1);
    expect(c.out).toEqual([
      'capplay run: scenario: "Chat on one machine", seed 2026, 2 script lines, 0.000s of virtual time',
      '',
      '── summary ──',
      'lesson "Make the relabel fail": 2 of 4 steps done',
      expect.stringMatching(/^✓ expect\[0\]/),
      expect.stringMatching(
        /^✗ expect\[1\] verdict \/speaks as bob\/: no verdict matching \/speaks as bob\/ yet; the newest verdict reads "relabel blocked: /,
      ),
      expect.stringMatching(/^✗ expect\[2\] verdict \/relabel succeeded\/: no verdict matching/),
      expect.stringMatching(/^✓ lesson step 1: /),
      expect.stringMatching(/^✓ lesson step 2: /),
      expect.stringMatching(
        /^✗ lesson step 3: Run the same line again: the child now holds badge 200 and speaks as bob\. — no verdict matching \/\^relabel succeeded: \.\*speaks as bob\/ yet/,
      ),
      '✗ lesson step 4: Turn Gate 0 back on and end the impostor (/exit in it, or kill @chat-client). — not reached: step 3 is not done yet',
      '3 of 7 passed',
    ]);
  });

  it('exit 2 for an invalid file: every problem names its field path', () => {
    const c = capture();
    const bad = JSON.parse(relabelScenario());
    bad.script[1].wait = -5;
    bad.expect[0].verdict = '(unclosed';
    bad.lesson.steps[0].check = { verdict: 'x', kind: 'exit' };
    expect(runScenario(JSON.stringify(bad), { source: 'bad.json' }, c.io)).toBe(2);
    expect(c.out).toEqual([]);
    expect(c.err[0]).toBe('bad.json: invalid scenario (3 problems):');
    expect(c.err.slice(1)).toEqual([
      expect.stringMatching(/^ {2}script\[1\]\.wait: Too small/),
      expect.stringMatching(/^ {2}expect\[0\]\.verdict: not a valid pattern: missing closing \)/),
      '  lesson.steps[0].check.kind: unknown field "kind" in a "verdict" check',
    ]);
    const j = capture();
    expect(runScenario('{"format": "capplay-scenario",', {}, j.io)).toBe(2);
    expect(j.err[1]).toMatch(/^ {2}not valid JSON: /);
  });

  it('main: run, gallery, lesson, and usage errors (exit 2)', () => {
    files['good.json'] = relabelScenario();
    let c = capture();
    expect(main(['run', 'good.json', '--seed', '2026', '--quiet'], c.io)).toBe(0);
    expect(c.out.at(-1)).toBe('6 of 6 passed');
    c = capture();
    expect(main(['run', 'missing.json'], c.io)).toBe(2);
    expect(c.err[0]).toBe('missing.json: cannot read it: ENOENT: missing.json');
    for (const argv of [
      [],
      ['run'],
      ['run', 'a', 'b'],
      ['run', 'good.json', '--seed', 'x'],
      ['frobnicate'],
      ['gallery', 'nope'],
      ['lesson', 'nope'],
      ['run', 'good.json', '--verbose'],
    ]) {
      c = capture();
      expect(main(argv, c.io), argv.join(' ')).toBe(2);
      expect(c.err.at(-1)).toBe('       capplay keygen <key file> [--name <key name>]');
    }
    c = capture();
    expect(main(['gallery', 'stale-cookie', '--off'], c.io)).toBe(0);
    expect(c.out[0]).toBe('Stale receiver cookie — A cap to a closed service object is used after its record was reused for someone else.');
    expect(c.out.at(-2)).toMatch(/^verdict: stale cookie accepted: /);
    expect(c.out.at(-1)).toBe('✓ expected /^stale cookie accepted/');
    c = capture();
    expect(main(['lesson'], c.io)).toBe(0);
    expect(c.out[0]).toMatch(/^1\. first-run +Grant only what is needed/);
    c = capture();
    expect(main(['lesson', 'pairing', '--json'], c.io)).toBe(0);
    expect(JSON.parse(c.out.join('\n')).lesson.steps).toHaveLength(6);
  });

  it('bin/capplay.mjs runs a scenario file in a subprocess', () => {
    const dir = mkdtempSync(join(tmpdir(), 'capplay-'));
    const file = join(dir, 'relabel.json');
    writeFileSync(file, relabelScenario());
    const r = spawnSync(process.execPath, ['bin/capplay.mjs', 'run', file, '--quiet'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n').at(-1)).toBe('6 of 6 passed');
    expect(r.status).toBe(0);
  }, 20_000);
});

describe('capplay verify, keygen and run --export', () => {
  const written: Record<string, { text: string; secret?: boolean }> = {};
  const withWrites = () => {
    const c = capture();
    return { ...c, io: { ...c.io, writeFile: (p: string, text: string, secret?: boolean) => void (written[p] = { text, secret }) } };
  };

  it('keygen writes a signed-note private key (owner-only) and prints its vkey; a bad key file is refused by name', () => {
    const c = withWrites();
    expect(main(['keygen', 'me.key', '--name', 'ci.example/capplay'], c.io)).toBe(0);
    expect(written['me.key'].secret).toBe(true);
    expect(written['me.key'].text).toMatch(/^PRIVATE\+KEY\+ci\.example\/capplay\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}\n$/);
    expect(c.out[1]).toMatch(/^ci\.example\/capplay\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    files['me.key'] = written['me.key'].text;
    files['bad.key'] = 'PRIVATE+KEY+x+00000000+AAAA';
    files['scenario.json'] = relabelScenario();
    const b = withWrites();
    expect(main(['run', 'scenario.json', '--export', 'out.jsonl', '--key-file', 'bad.key'], b.io)).toBe(2);
    expect(b.err[0]).toMatch(/^bad\.key: not a signing key: /);
    const u = withWrites();
    expect(main(['run', 'scenario.json', '--key-file', 'me.key'], u.io)).toBe(2);
    expect(u.err[0]).toMatch(/--key-file signs the ledger run --export writes/);
  });

  it('run --export signs with the key file, or exports unsigned and says so; verify says what each proves', () => {
    files['scenario.json'] = relabelScenario();
    const made = withWrites();
    main(['keygen', 'k.key', '--name', 'ci.example/k'], made.io);
    files['k.key'] = written['k.key'].text;
    const vkeyLine = made.out[1];

    const s = withWrites();
    expect(main(['run', 'scenario.json', '--quiet', '--export', 'signed.jsonl', '--key-file', 'k.key'], s.io)).toBe(0);
    expect(s.out.at(-1)).toMatch(
      /^ledger: \d+ entries written to signed\.jsonl, signed by ci\.example\/k \(key ID [0-9a-f]{8}, fingerprint [0-9a-f]{16}…\)$/,
    );
    files['signed.jsonl'] = written['signed.jsonl'].text;
    expect(files['signed.jsonl'].split('\n', 1)[0]).toContain(`"vkey":"${vkeyLine}"`);

    const n = withWrites();
    expect(main(['run', 'scenario.json', '--quiet', '--export', 'plain.jsonl'], n.io)).toBe(0);
    expect(n.out.at(-1)).toMatch(/written to plain\.jsonl, exported UNSIGNED \(no --key-file\): it proves nothing against edits/);
    files['plain.jsonl'] = written['plain.jsonl'].text;
    // The same run gives the same records whether signed or not: signatures are not in what a replay compares.
    const entries = (t: string) => t.split('\n').filter((l) => l.startsWith('{"seq"'));
    expect(entries(files['plain.jsonl'])).toEqual(entries(files['signed.jsonl']));

    let c = capture();
    expect(main(['verify', 'signed.jsonl', '--key-file', 'k.key'], c.io)).toBe(0);
    expect(c.out.join('\n')).toMatch(
      /signed by your key \(--key-file\) ci\.example\/k \(key ID [0-9a-f]{8}, .*\): every entry up to its last tree head is as your key signed it; a copy cut back at an earlier head your key signed verifies too, so check its size/,
    );
    c = capture();
    expect(main(['verify', 'signed.jsonl'], c.io)).toBe(0);
    expect(c.out.join('\n')).toMatch(
      /not a key you gave \(no --key-file\): integrity under that key; authorship unknown — compare the key ID with the one its author published/,
    );
    // Another key file of yours: the file is not what it signed.
    const mine2 = withWrites();
    main(['keygen', 'k2.key'], mine2.io);
    files['k2.key'] = written['k2.key'].text;
    c = capture();
    expect(main(['verify', 'signed.jsonl', '--key-file', 'k2.key'], c.io)).toBe(0);
    expect(c.out.join('\n')).toMatch(/not your key \(--key-file\): integrity under that key; authorship unknown/);
    c = capture();
    expect(main(['verify', 'plain.jsonl'], c.io)).toBe(0);
    expect(c.out.join('\n')).toMatch(/unsigned: .*anyone can rewrite an unsigned file/);
    c = capture();
    files['old.jsonl'] = readFileSync(new URL('../kernel/ledger/fixtures/v3-seed-export.jsonl', import.meta.url), 'utf8');
    expect(main(['verify', 'old.jsonl'], c.io)).toBe(0);
    expect(c.out.join('\n')).toMatch(
      /key derived from seed 2026.*integrity only, not authorship — anyone with the scenario can make this signature/,
    );
  });

  it("gallery <id> --export writes the entry's ledger, signed with --key-file or unsigned and said; --export needs one id", () => {
    const k = withWrites();
    main(['keygen', 'g.key', '--name', 'ci.example/g'], k.io);
    files['g.key'] = written['g.key'].text;
    const s = withWrites();
    expect(main(['gallery', 'relabel', '--quiet', '--export', 'relabel.jsonl', '--key-file', 'g.key'], s.io)).toBe(0);
    expect(s.out.at(-1)).toMatch(/^ledger: \d+ entries written to relabel\.jsonl, signed by ci\.example\/g \(key ID [0-9a-f]{8}/);
    files['relabel.jsonl'] = written['relabel.jsonl'].text;
    const c = capture();
    expect(main(['verify', 'relabel.jsonl', '--key-file', 'g.key'], c.io)).toBe(0);
    expect(c.out.join('\n')).toContain('signed by your key (--key-file) ci.example/g');
    const u = withWrites();
    expect(main(['gallery', 'relabel', '--quiet', '--export', 'plain.jsonl'], u.io)).toBe(0);
    expect(u.out.at(-1)).toMatch(/exported UNSIGNED \(no --key-file\)/);
    const all = withWrites();
    expect(main(['gallery', '--export', 'all.jsonl'], all.io)).toBe(2);
    expect(all.err[0]).toMatch(/--export is for run <scenario\.json> and gallery <id>/);
  }, 30_000);

  it('verifies an export, pins a key, and names the first bad entry of an altered copy', async () => {
    const { KernelHost } = await import('../kernel/host');
    const { cosignature } = await import('../kernel/ledger/cosign');
    const { parsePrivateKey } = await import('../kernel/ledger/note');
    const h = new KernelHost(undefined, false);
    h.exec('spawn "idle"');
    main(['keygen', 'p.key'], withWrites().io);
    const key = parsePrivateKey(written['p.key'].text);
    if (typeof key === 'string') throw new Error(key);
    const text = h.kernel.ledger.exportJsonl(cosignature(h.kernel.ledger, key));
    const hex = Buffer.from(key.publicKey).toString('hex');
    files['ok.jsonl'] = text;
    files['bad.jsonl'] = text.replace('"detail":"boot', '"detail":"Boot');
    let c = capture();
    expect(main(['verify', 'ok.jsonl'], c.io)).toBe(0);
    expect(c.out[0]).toMatch(/^✓ ok\.jsonl: \d+ entries, 1 checkpoint verified \(record format 3, RFC 6962 tree\)$/);
    c = capture();
    expect(main(['verify', 'ok.jsonl', '--key', hex], c.io)).toBe(0);
    expect(c.out.join('\n')).toMatch(
      /signed by the key you pinned \(--key\) .*: every entry up to its last tree head is as that key signed it; a copy cut back at an earlier head that key signed verifies too, so check its size — whose key it is, you know, not the file/,
    );
    c = capture();
    expect(main(['verify', 'ok.jsonl', '--key', 'ab'.repeat(32)], c.io)).toBe(1);
    expect(c.err[0]).toMatch(/not the expected abab/);
    c = capture();
    expect(main(['verify', 'bad.jsonl'], c.io)).toBe(1);
    expect(c.err[0]).toMatch(/^✕ bad\.jsonl: first bad entry 1 \(line 2\): .*contents do not match its hash/);
    c = capture();
    expect(main(['verify', 'ok.jsonl', '--key', 'zz'], c.io)).toBe(2);
    expect(c.err[0]).toMatch(/--key takes a 64-hex-digit/);
  });
});
