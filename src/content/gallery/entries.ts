import type { DefenseId } from '../../kernel/sab/layout';
import { BUILT_IN_SCENARIOS } from '../scenarios';

/**
 * The attack gallery, as data (no kernel here, so the UI can import it; gallery.ts adds the headless player).
 * Each entry plays step by step (a paragraph of narration, then shell lines and some virtual time), can be played
 * with its defense on or off, and ends with a verdict in the ledger (the banner shows the newest). Entries
 * without a defense toggle play a vulnerable variant of their lines when "off" (`linesWhenOff`): the
 * ambient-authority compiler, a rotation during a call in flight, a revocation by deleting your own copy, a rate
 * limit tightened by re-minting.
 */

export type BuiltInScenarioId = 'default' | 'pointsav';
export type GalleryMode = 'on' | 'off';

export interface GalleryStep {
  /** One paragraph, for people. */
  narration: string;
  /** Shell lines to run at this step. */
  lines: readonly string[];
  /** Lines run instead when the entry is played "off" (entries without a defense toggle use this). */
  linesWhenOff?: readonly string[];
  /** Virtual ms to run the clock after the lines. */
  wait?: number;
}

export interface GalleryEntry {
  id: string;
  title: string;
  summary: string;
  scenario: BuiltInScenarioId;
  /** The toggle that decides the outcome, or null when "off" means the vulnerable variant of the lines. */
  defense: DefenseId | null;
  steps: readonly GalleryStep[];
  /** Case-insensitive regex sources the final verdict matches with the defense on, and off. */
  expect: { on: string; off: string };
}

export const GALLERY: readonly GalleryEntry[] = [
  {
    id: 'relabel',
    title: 'Relabeling (Gate 0)',
    summary: 'A delegated chat facet is relabeled with bob’s badge, to speak as bob.',
    scenario: 'default',
    defense: 'gate0',
    steps: [
      {
        narration:
          'The chat service still accepts old-style client facets, and it takes a facet’s badge as the member’s identity: the shell’s @chat carries badge 42, bob’s carries 200. Whoever can choose the badge on a facet can choose who they are.',
        lines: ['call @chat who "#lobby"'],
      },
      {
        narration:
          'The attack: start a chat client holding a client facet of @chat relabeled to badge 200. With Gate 0 on, the kernel refuses to derive a facet whose badge differs from its source’s: no child starts, the ledger records the denial. With it off, the child holds badge 200 and greets #lobby as bob.',
        lines: ['spawn "chat-client stay" with { chat: client @chat badge 200 }'],
        wait: 50,
      },
    ],
    expect: { on: '^relabel blocked', off: '^relabel succeeded: .*speaks as bob' },
  },
  {
    id: 'confused-deputy',
    title: 'The confused deputy',
    summary: 'A compiler that keeps a billing file is asked to write its output over that billing file.',
    scenario: 'default',
    defense: null,
    steps: [
      {
        narration:
          'A compiler is installed. It keeps a billing file, /var/billing, and adds a line to it for every job, so it holds authority over that file: its own. It reads jobs (“<output> <source…>”) from a channel. Off: the classic compiler, cc, gets the filesystem itself (the shell moves its @fs to it: you no longer hold any). On: capcc gets an fs cap unveiled to /var/billing alone, as @billing, and nothing else.',
        lines: ['channel jobs', 'spawn "capcc" unveil "/var/billing rw" with { jobs: @jobs, billing: move @fs, stdio: client @stdio }'],
        linesWhenOff: ['channel jobs', 'spawn "cc" with { jobs: @jobs, fs: move @fs, stdio: client @stdio }'],
        wait: 5,
      },
      {
        narration:
          'An honest job. cc takes the output as a path and writes it with its own authority. capcc takes the output as a cap: you create a channel, pass it to the compiler (grant), and name it in the job; capcc writes the object code into it and bills.',
        lines: ['channel out', 'grant @capcc @out', 'call @jobs write "out int main() { return 0; }"'],
        linesWhenOff: ['call @jobs write "/tmp/hello.o int main() { return 0; }"'],
        wait: 100,
      },
      {
        narration:
          'The attack: you, holding no authority over /var/billing, name it as the output. cc combines your name with its authority and overwrites its own billing records: the confused deputy. capcc looks for a cap you passed under that name, finds none (a path is not a cap), and writes nothing.',
        lines: ['call @out read', 'call @jobs write "/var/billing int main() { return 0; }"'],
        linesWhenOff: ['call @jobs write "/var/billing int main() { return 0; }"'],
        wait: 100,
      },
    ],
    expect: { on: '^confused deputy prevented', off: '^confused deputy: .*overwrote /var/billing' },
  },
  {
    id: 'fork-bomb',
    title: 'Fork bomb',
    summary: 'A program spawns children as fast as it can pay for them.',
    scenario: 'default',
    defense: 'energy',
    steps: [
      {
        narration:
          'Every kernel operation costs energy: SPAWN is 500 J, and a new fiber has 2000 J refilled once a second (the Void tier). Spawn a fork bomb holding a spawner: with budgets on it gets four spawns, then freezes until its refill — latency, not an error. With budgets off nothing slows it, and the process table fills in milliseconds.',
        lines: ['spawn "forkbomb" with { spawner: @spawner }'],
        wait: 20,
      },
      {
        narration: 'The shell holds the bomb’s process handle, so it can end it. Its bomblets linger a few seconds, holding nothing.',
        lines: ['kill @forkbomb'],
      },
    ],
    expect: { on: '^energy budget held: forkbomb .*SPAWN', off: '^no energy budget: forkbomb .*SPAWN' },
  },
  {
    id: 'intent-flood',
    title: 'Intent flooding',
    summary: 'A program floods a chat channel with messages (SENDs) as fast as it can.',
    scenario: 'default',
    defense: 'energy',
    steps: [
      {
        narration:
          'A flooder holds a chat participant and sends to #flood without pause. Each SEND costs 5 J: with budgets on it gets about 400 per refill and then freezes, so the chat server and everyone else keep their share. With budgets off it sends thousands of messages in a few milliseconds of virtual time.',
        lines: ['spawn "flooder" with { chat: @chat_participant }'],
        wait: 50,
      },
      {
        narration:
          'The shell holds the flooder’s process handle (spawn gave it one), so it can end it. No one else could: authority over a fiber is holding its handle.',
        lines: ['kill @flooder'],
      },
    ],
    expect: { on: '^energy budget held: flooder .*SEND', off: '^no energy budget: flooder .*SEND' },
  },
  {
    id: 'stale-cookie',
    title: 'Stale receiver cookie',
    summary: 'A cap to a closed service object is used after its record was reused for someone else.',
    scenario: 'default',
    defense: 'generation',
    steps: [
      {
        narration:
          'Your @chat_participant is a service object: an endpoint, an interface, an opaque receiver selector and a generation (its cookie). Possession is the authority: sending through it speaks as you.',
        lines: ['call @chat_participant send "#lobby" "hello from you"'],
      },
      {
        narration:
          'Close it. The chat service drops the member, and the kernel frees the receiver record for reuse; your cap still sits in your table.',
        lines: ['call @chat_participant close'],
      },
      {
        narration:
          'A newcomer joins through the ChatRoot with a proof from the session; the service mints it a participant, and the kernel reuses your freed record — at generation 2.',
        lines: ['spawn "chat-client" with { chat: @chat_root, session: @session }'],
        wait: 50,
      },
      {
        narration:
          'Now use your old cap. With the generation check on, the cookie says generation 1 and the record is at 2: ESTALE, the call never reaches the newcomer’s object. With it off, your old cap lands on the newcomer’s participant and speaks as them.',
        lines: ['call @chat_participant send "#lobby" "it is still me"'],
      },
    ],
    expect: { on: '^stale cookie refused', off: '^stale cookie accepted' },
  },
  {
    id: 'pledge',
    title: 'Pledge violation',
    summary: 'A fetch worker pledged to "stdio net" reaches for a file.',
    scenario: 'default',
    defense: 'sandbox',
    steps: [
      {
        narration:
          'The fetch-worker pledges itself to "stdio net": terminal output and the network, nothing else. It fetches a feed and posts to #lobby — then, compromised, it reaches for /vault/secrets through the fs cap it was (carelessly) granted. With pledge on, the kernel aborts it: reading a file needs "rw", and only the violating fiber dies. With it off, the secret goes out to the chat.',
        lines: ['spawn "fetch-worker" pledge "stdio net" with { stdio: client @stdio, chat: @chat_participant, fs: @fs }'],
        wait: 1000,
      },
    ],
    expect: { on: '^pledge violation blocked', off: '^pledge bypassed' },
  },
  {
    id: 'unveil',
    title: 'Unveil escape',
    summary: 'A PDF viewer unveiled to /home/docs tries "..", doubled slashes and symlinks.',
    scenario: 'default',
    defense: 'sandbox',
    steps: [
      {
        narration:
          'The pdf-viewer starts unveiled to /home/docs (read): every other path is invisible to it. It renders a report, locks its unveil, then tries to climb out with "..", doubled slashes and symlinks. Paths resolve to one canonical form before the check, so with unveil on every attempt sees ENOENT — as if nothing were there. With it off, it reads /etc/passwd and /vault/secrets.',
        lines: ['spawn "pdf-viewer" unveil "/home/docs r" with { stdio: client @stdio, fs: @fs }'],
        wait: 1700,
      },
    ],
    expect: { on: '^unveil escape blocked', off: '^unveil bypassed' },
  },
  {
    id: 'forge',
    title: 'Forged kernel:mint_yield',
    summary: 'A descendant mints the chain’s reserved invoke_key itself and yields with it.',
    scenario: 'default',
    defense: 'interpose',
    steps: [
      {
        narration:
          'Yield-key routing: a yield is caught by the nearest caller whose snapshot holds its key, walking owner edges up. attest shows a kernel:attest yield caught by the kernel at the root.',
        lines: ['attest'],
      },
      {
        narration:
          'The chain registers invoke_key and keeps it reserved. A forger it calls asks kernel:mint_yield for invoke_key. With interposition on, the chain catches every mint_yield from below first, refuses reserved keys and passes the rest on to the kernel (an interposer can only pass a request on, never grant it). With it off, the kernel mints it, the chain accepts the forger’s yield as its own authority, and calls contract B’s drain endpoint for it. (Writing the sender into its cnode as a literal does not work either: try forge literal.)',
        lines: ['forge'],
      },
    ],
    expect: { on: '^forged mint blocked', off: '^forged mint succeeded' },
  },
  {
    id: 'image-hash',
    title: 'image_hash taken as authority',
    summary: 'A vault pays whoever presents an instance of the right type.',
    scenario: 'default',
    defense: 'hashauth',
    steps: [
      {
        narration:
          'The MintRefCap example: the chain issues a MintRefCap for the domain art to a user, who mints sunrise through it; the chain’s MintInstance mints it in the domain the cap holds. That cap is one particular instance.',
        lines: ['mint art sunrise'],
      },
      {
        narration:
          'An attacker derives its own instance of the MintRefCap image — same code, same image_hash — and presents it to a vault that pays the holder of the real one. A hash names a type, not an authority: with the check on, the vault wants the very instance it trusts and refuses. With it off, it compares hashes and pays.',
        lines: ['lookalike'],
      },
    ],
    expect: { on: '^look-alike refused', off: '^image_hash taken as authority' },
  },
  {
    id: 'key-rotation',
    title: 'Key rotation and its snapshot caveat',
    summary: 'Revocation by key rotation stops new calls; a call already in flight finishes under its snapshot.',
    scenario: 'default',
    defense: null,
    steps: [
      {
        narration:
          'The user contract invokes its EndpointRefCap(B, process): the yield carries invoke_key up to the chain, which catches it and, in its own frame, calls contract B’s process endpoint.',
        lines: ['invoke "swap"'],
      },
      {
        narration:
          'Revoke by rotation: the chain drops invoke_key from its receiver, mints invoke_key_2 and hands the user a new cap. Off shows the caveat: the rotation happens while a call holding the old cap is in flight. That CALL snapshotted the chain’s receiver before the rotation, so its yield is still caught — rotation only revokes new calls.',
        lines: ['rotate invoke_key invoke_key_2'],
        linesWhenOff: ['rotate invoke_key invoke_key_2 inflight'],
      },
      {
        narration:
          'On: a new call through the old cap faults, since no snapshot holds invoke_key any more. Either way, the cap the chain redistributed under invoke_key_2 works.',
        lines: ['invoke old', 'invoke'],
        linesWhenOff: ['invoke'],
      },
    ],
    expect: { on: '^revoked by key rotation', off: '^snapshot caveat' },
  },
  {
    id: 'rate-limit',
    title: 'Rate-limited authority caps',
    summary: 'One user holds two caps with different rate limits; the chain tightens one after the grant.',
    scenario: 'default',
    defense: null,
    steps: [
      {
        narration:
          'Where policy attaches (seed 004). The chain mints one user contract two EndpointRefCaps to B’s process endpoint: cap #2 with rate_limit 2 calls/s baked into its state, cap #3 with 5/s (cap #1 is held by the user contract the chain world starts with). Each also carries a cap_id, baked in at mint from the chain’s counter. A cap’s bytecode writes its payload from its own state — target, endpoint, rate_limit, cap_id — and the caller’s args only fill in args. ratelimit lists the caps and their policy.',
        lines: ['ratelimit issue 2', 'ratelimit issue 5', 'ratelimit'],
      },
      {
        narration:
          'The same user calls through each cap three times in one instant. The chain’s handler reads rate_limit and cap_id from the payload and counts each cap’s calls over the last second of virtual time: cap #2’s third call faults before the chain calls B (B ran it twice), while cap #3 takes all three. Two caps, two limits, one holder.',
        lines: ['ratelimit invoke 2 3', 'ratelimit invoke 3 3'],
        wait: 1000,
      },
      {
        narration:
          'Tightening after the grant. On: the chain sets its sidecar policy for cap #3 to 1 call/s — no new mint, no re-grant: the very instance the user holds is now held to the stricter of its baked 5/s and the sidecar’s 1/s. Then the user’s args claim rate_limit 1000 and cap #2’s cap_id (cap #2 has no sidecar): a chain that took either from the args would let all three calls through; they reach B as plain data, the chain reads only what the cap wrote, and one call gets through. Off: the chain tightens the baked way instead, minting the user a new cap at 1/s; the user keeps cap #3, whose state still says 5/s. Short of revoking it (rotating invoke_key revokes every cap under that key), nothing at the chain changes cap #3’s rate — which is why the sidecar exists.',
        lines: ['ratelimit policy 3 1', 'ratelimit invoke 3 3 claim 1000 2'],
        linesWhenOff: ['ratelimit reissue 3 1'],
        wait: 1000,
      },
      {
        narration:
          'A second later, the same calls through both caps. On: cap #2 is untouched at 2/s and cap #3 is held to 1/s. Off: all three calls through cap #3 reach B, more than the re-mint meant. Neither pattern is an ACL: the chain never asks who is calling and keeps no list of principals. The policy is in the cap (its state), or keyed by an id only the cap’s own code puts in its payload — as long as the chain interposes on kernel:mint_yield: with defense interpose off, a descendant can mint invoke_key itself and yield any cap_id and rate_limit it likes (the V2 breach, see the forge entry). Whoever holds the cap has exactly its policy, and giving the cap away gives its policy with it.',
        lines: ['ratelimit invoke 2 2', 'ratelimit invoke 3 3'],
      },
    ],
    expect: { on: '^policy tightened', off: '^policy not tightened' },
  },
  {
    id: 'mitm',
    title: 'MITM on first contact',
    summary: 'Mallory sits on the wire during a pairing and answers each side with her own key.',
    scenario: 'pointsav',
    defense: 'tofu',
    steps: [
      {
        narration:
          'First contact is blind. Pair the console with the MediaKit while mallory answers each side with her own key: the handshake succeeds, and each side binds her CellID as the other’s. Nothing was bound before, so nothing could tell — compare CellIDs out of band before trusting a first contact.',
        lines: ['mitm mediakit'],
      },
      {
        narration: 'An honest first contact with the Totebox: each side binds the other’s CellID (TOFU+). tofu shows the bindings.',
        lines: ['pair totebox', 'tofu', 'unpair totebox'],
      },
      {
        narration:
          'Mallory tries again on the next contact. With TOFU+ on, each side pins the CellID it bound, and her key does not match: refused. With it off (pure TOFU), a new key is taken without a word.',
        lines: ['mitm totebox'],
      },
    ],
    expect: { on: '^MITM after binding blocked by TOFU\\+', off: '^MITM succeeded: pure TOFU.* as totebox' },
  },
  {
    id: 'diode',
    title: 'Upstream command through the Diode',
    summary: 'A compromised MediaKit process tries to write to the Totebox vault through its telemetry import.',
    scenario: 'pointsav',
    defense: 'diode',
    steps: [
      {
        narration:
          'Commands flow down the fleet — console, then Totebox, then MediaKit — never up. The MediaKit’s only edge to the Totebox is @telemetry, an import across an INPUT pairing that carries sanitised telemetry up.',
        lines: ['machines'],
      },
      {
        narration:
          'Compromise the media process: it tries to write to the vault through every import it holds. With the Diode on, no capability can express a command upstream. With it off, the INPUT pairing lets the write through.',
        lines: ['compromise media'],
      },
    ],
    expect: { on: '^upstream command impossible', off: '^upstream command went through' },
  },
  {
    id: 'pairing-revocation',
    title: 'Pairing revocation',
    summary: 'Revoking a machine’s access: sever the pairing, or just delete your own copy of the import.',
    scenario: 'pointsav',
    defense: null,
    steps: [
      {
        narration:
          'Pair the console with the Totebox as USER (read-only), import the vault and read a record. The pair is the permission: no password, no user table.',
        lines: ['pair totebox as USER', 'import totebox vault', 'call @vault read passport.pdf'],
      },
      {
        narration: 'Lend the vault to a helper process: it holds a copy of the import.',
        lines: ['spawn "idle" with { vault: @vault }'],
      },
      {
        narration:
          'Revoke. On: unpair — the pairing is severed, and every import across it, the helper’s too, answers “not found” at once. Off: the password-era reflex, deleting your own copy (drop @vault) — the helper’s copy still works: nothing was revoked.',
        lines: ['unpair totebox', 'call @vault read passport.pdf'],
        linesWhenOff: ['drop @vault'],
      },
    ],
    expect: { on: '^pairing revoked: .*2 imports across it died at once', off: '^revocation incomplete' },
  },
];

export const galleryEntry = (id: string): GalleryEntry | undefined => GALLERY.find((e) => e.id === id);

/** The lines a step runs in a mode. */
export const stepLines = (step: GalleryStep, mode: GalleryMode): readonly string[] =>
  mode === 'off' && step.linesWhenOff ? step.linesWhenOff : step.lines;

export function scenarioText(id: BuiltInScenarioId): string {
  const s = BUILT_IN_SCENARIOS.find((x) => x.id === id);
  if (!s) throw new Error(`no built-in scenario "${id}"`);
  return s.text;
}
