import { REPLAY_STOPPED, type BootResult, type Session } from '../kernel/host-api';

/**
 * Undo for what replaces the session (Reset, a fresh playground, a link opened in an open tab): the session as it
 * stood — scenario + seed + command log + the tick reached — is read first and kept, and Undo brings it back
 * through the same restore path as a reload, so the world returns exactly (the same ledger, the same `ps`).
 */

export interface UndoIo {
  /** The session as it stands now. */
  session(): Promise<Session>;
  /** Replay a session (the page's restore, with its progress banner). */
  restore(session: Session, label: string): Promise<BootResult>;
}

/** What a replacing action left behind for Undo: the old session, and the notice that offers it. */
export interface UndoOffer {
  text: string;
  session: Session;
}

/** What a replacing action did: whether it replaced the session, and what to tell the person. */
export interface Replaced {
  replaced: boolean;
  says: string;
}

/**
 * Run `act`, which may replace the session, keeping the one before it. Resolves with what `act` said and, if it
 * did replace the session, the offer to show (its text is what happened; "Undo" follows it).
 */
export async function replaceKeepingUndo(io: UndoIo, act: () => Promise<Replaced>): Promise<{ says: string; undo: UndoOffer | null }> {
  const before = await io.session();
  const r = await act();
  return { says: r.says, undo: r.replaced ? { text: r.says, session: before } : null };
}

/** Bring the kept session back; resolves with what to tell the person. */
export async function undo(io: UndoIo, offer: UndoOffer): Promise<{ ok: boolean; notice: string }> {
  const r = await io.restore(offer.session, 'Undoing');
  const n = offer.session.log.length;
  if (r.ok) return { ok: true, notice: `Undone: your session is back (${n.toLocaleString('en')} command${n === 1 ? '' : 's'} replayed).` };
  return {
    ok: false,
    notice:
      r.errors[0] === REPLAY_STOPPED
        ? 'Undo was stopped: the session shown is unchanged.'
        : `Undo failed: ${r.errors[0]}. The session shown is unchanged.`,
  };
}
