import { REPLAY_STOPPED, type BootResult, type Session } from '../kernel/host-api';
import { decodeShare, olderRulesNotice } from './share';

/** What opening the first session needs of the page: the worker's restore, and storage. */
export interface OpeningIo {
  restore(session: Session, label: string): Promise<BootResult>;
  /** Keep a session that cannot be restored, so the world that runs instead does not overwrite it (true: kept). */
  keepAside(session: unknown, why: string): Promise<boolean>;
  /** Forget the saved session (a fresh playground); only the tab that keeps it may. */
  clear(): Promise<void>;
  owns: boolean;
  /**
   * A tab already open has a world of its own: boot the default one for a fresh playground (false: it could not).
   * A first visit needs none (the worker starts with it).
   */
  fresh?(): Promise<boolean>;
}

export interface Opened {
  /** What to tell the person ('' if nothing went wrong and nothing needs saying). */
  notice: string;
  /** A session was kept aside (Share offers it for download). */
  kept: boolean;
  /** The world shown was replaced (by the link, a fresh playground or the saved session): what ran before is gone. */
  replaced: boolean;
  /** Nothing was saved and no link came: the person is new here (the start-here card is for them). */
  firstVisit: boolean;
}

/**
 * Decide what the first world is and restore it: a share link in the fragment if there is one, else the saved
 * session; `#fresh` starts clean. A link that cannot be opened (damaged, invalid, from a newer build, or its
 * replay stopped) never replaces the person's own session: it is restored instead, and the notice says what was
 * wrong with the link. A saved session that cannot be restored is kept aside, never overwritten.
 */
export async function openFirstSession(
  hash: string,
  saved: Session | null,
  damaged: { problem: string; raw: unknown } | undefined,
  io: OpeningIo,
): Promise<Opened> {
  const notes: string[] = [];
  let kept = false;
  let replaced = false;
  const done = (notice: string) => ({ notice, kept, replaced, firstVisit: false });
  const setAside = async (session: unknown, why: string) => {
    const stored = await io.keepAside(session, why);
    kept ||= stored;
    notes.push(
      `Your saved session could not be restored (${why}); ${stored ? 'it is kept: Share → Download the kept session' : 'storage refused to keep it aside, so it is lost'}. The default scenario is running.`,
    );
  };
  if (damaged) await setAside(damaged.raw, damaged.problem);
  if (hash === '#fresh') {
    if (io.fresh && !(replaced = await io.fresh()))
      return done('The fresh playground did not start: the kernel refused the default scenario.');
    if (!io.owns) return done('A fresh playground. The saved session belongs to another open tab and was left as it is.');
    await io.clear();
    return done('A fresh playground: the saved session was cleared.');
  }
  if (hash.startsWith('#s=')) {
    const link = await decodeShare(hash);
    if (link.ok) {
      // A link made before the seed rules replays under them: say so, and why a step may now be refused.
      const older = olderRulesNotice(link.version);
      const r = await io.restore(link.session, 'Opening the shared session');
      if (r.ok) {
        replaced = true;
        return done([`Opened a shared session (${link.session.log.length} commands replayed).`, older].filter(Boolean).join(' '));
      }
      notes.push(
        r.errors[0] === REPLAY_STOPPED
          ? 'The share link was not opened: you stopped its replay.'
          : `The share link could not be opened: ${r.errors[0]}.`,
      );
      if (older && r.errors[0] !== REPLAY_STOPPED) notes.push(older);
    } else notes.push(`The share link could not be opened: ${link.error}.`);
    if (saved) {
      const mine = await io.restore(saved, 'Restoring your own session');
      if (mine.ok) notes.push('Your own session was restored instead.');
      else await setAside(saved, mine.errors[0]);
      replaced = mine.ok;
    }
    return done(notes.join(' '));
  }
  if (saved) {
    const r = await io.restore(saved, 'Restoring your session');
    // A reload says what it did: the world is back by replay, not merely still there.
    if (r.ok) notes.push(`Your session was restored: ${commands(saved.log.length)} replayed.`);
    else await setAside(saved, r.errors[0]);
    replaced = r.ok;
  }
  return { notice: notes.join(' '), kept, replaced, firstVisit: !saved && !damaged };
}

const commands = (n: number) => `${n.toLocaleString('en')} command${n === 1 ? '' : 's'}`;
