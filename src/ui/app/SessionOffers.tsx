import { useApp, appStore } from '../../store/store';
import { plainText } from '../../text/sanitize';
import { ConfirmDialog } from './ConfirmDialog';
import { keepMine, openOffered, undoLast } from './sessionActions';
import './prompts.css';

/**
 * What asks before the session is replaced, and what undoes it: a link pasted into this open tab (Open, or Keep
 * mine), the Undo notice after a Reset, a fresh playground or an opened link, and the confirm dialog.
 */
export function SessionOffers() {
  const offer = useApp((s) => s.offer);
  const undo = useApp((s) => s.undo);
  const ready = useApp((s) => s.status === 'ready');
  const n = offer?.commands ?? 0;
  return (
    <>
      {offer && (
        <div className="banner notice offer" role="alert" data-testid="link-offer">
          <span>
            {offer.hash === '#fresh'
              ? 'Start a fresh playground, as the link asks? The default scenario boots and your session here is replaced (Undo brings it back).'
              : `Open the shared session? (${n.toLocaleString('en')} command${n === 1 ? '' : 's'}) — it replaces your session here (Undo brings yours back).`}
          </span>
          <button type="button" className="button primary" data-testid="offer-open" disabled={!ready} onClick={() => void openOffered()}>
            {offer.hash === '#fresh' ? 'Start fresh' : 'Open'}
          </button>
          <button type="button" className="button" data-testid="offer-keep" onClick={keepMine}>
            Keep mine
          </button>
        </div>
      )}
      {undo && (
        <div className="banner notice offer" role="status" data-testid="undo-notice">
          <span>{plainText(undo.text)}</span>
          <button type="button" className="button primary" data-testid="undo" disabled={!ready} onClick={() => void undoLast()}>
            Undo
          </button>
          <button type="button" className="dismiss" aria-label="Dismiss" onClick={() => appStore.setState({ undo: null })}>
            ×
          </button>
        </div>
      )}
      <ConfirmDialog />
    </>
  );
}
