import type { Remote } from 'comlink';
import type { KernelWorkerApi } from '../../kernel/host-api';
import { kernelClient } from '../../client/instance';
import { replaceKeepingUndo, undo, type Replaced, type UndoIo } from '../../session/undo';
import { appStore, loadScenario } from '../../store/store';
import { askConfirm } from './ConfirmDialog';

/**
 * What replaces the session from the page — Reset, a fresh playground, a link pasted into this tab — asks first
 * and can be undone: the session before is kept (src/session/undo.ts) and the notice that follows offers Undo.
 */

const io = (kernel: Remote<KernelWorkerApi>): UndoIo => ({
  session: () => kernel.session(),
  restore: (session, label) => kernelClient.restoreWithProgress(kernel, session, label),
});

/** Replace the session with `act`, then offer Undo with what `act` said happened (or just say it). */
async function replacing(act: () => Promise<Replaced>): Promise<void> {
  const kernel = appStore.getState().kernel;
  if (!kernel) return;
  // A worker that goes meanwhile: the recovery banner says what happened.
  const r = await replaceKeepingUndo(io(kernel), act).catch(() => null);
  if (r?.undo) appStore.setState({ undo: r.undo, notice: '' });
  else if (r?.says) appStore.setState({ notice: r.says });
}

/** TopBar's Reset: boot the default scenario again, once the person says so. */
export async function askReset(): Promise<void> {
  const yes = await askConfirm({
    title: 'Reset the playground?',
    body: 'The default scenario boots again and replaces your session. Undo brings it back.',
    confirm: 'Reset',
  });
  if (yes) await replacing(async () => ({ replaced: await loadScenario(undefined), says: 'The default scenario was booted.' }));
}

/** ShareMenu's fresh playground, in this tab: as the #fresh link opens, once the person says so. */
export async function askFresh(): Promise<void> {
  const yes = await askConfirm({
    title: 'Start a fresh playground?',
    body: 'The default scenario boots, your session is replaced and the saved one cleared. Undo brings it back.',
    confirm: 'Start fresh',
  });
  if (yes) await openHere('#fresh');
}

/** Open a link (or #fresh) here as a first visit would; a link that cannot be opened changes nothing. */
async function openHere(hash: string): Promise<void> {
  await replacing(async () => {
    const opened = await kernelClient.openLink(hash);
    return { replaced: opened.replaced, says: opened.replaced ? opened.notice : `${opened.notice} Your session is unchanged.` };
  });
}

/** The banner's Open: the pasted link replaces the session (Undo brings it back). */
export async function openOffered(): Promise<void> {
  const offer = appStore.getState().offer;
  appStore.setState({ offer: null });
  if (offer) await openHere(offer.hash);
}

/** The banner's Keep mine: the link goes from the address bar, and nothing else changes. */
export function keepMine(): void {
  kernelClient.dropFragment();
  appStore.setState({ offer: null });
}

/** The notice's Undo: the session from before comes back by replay, exactly. */
export async function undoLast(): Promise<void> {
  const { undo: offer, kernel } = appStore.getState();
  if (!offer || !kernel) return;
  appStore.setState({ undo: null });
  const r = await undo(io(kernel), offer).catch(() => null);
  if (!r) return;
  // A failed Undo keeps the offer: the old session is still kept, to try again.
  appStore.setState(r.ok ? { notice: r.notice, travel: null, selected: null } : { notice: r.notice, undo: offer });
}
