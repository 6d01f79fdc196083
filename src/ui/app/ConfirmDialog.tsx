import { useEffect, useRef } from 'react';
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import './prompts.css';

interface Ask {
  title: string;
  body: string;
  /** The confirming button's label ("Reset"). */
  confirm: string;
  /** Where the focus was: it goes back there when the dialog closes. */
  back: HTMLElement | null;
  answer(yes: boolean): void;
}

const asking = createStore<{ ask: Ask | null }>()(() => ({ ask: null }));

/**
 * Ask before something that replaces the session: a small modal dialog (the browser's own <dialog>, so Tab stays
 * in it and Esc cancels), Cancel focused (Tab reaches the other button); focus goes back where it was after.
 */
export function askConfirm(q: Pick<Ask, 'title' | 'body' | 'confirm'>): Promise<boolean> {
  asking.getState().ask?.answer(false); // one question at a time: a new one cancels the old
  const back = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  return new Promise((resolve) => {
    const ask: Ask = {
      ...q,
      back,
      answer: (yes) => {
        if (asking.getState().ask !== ask) return;
        asking.setState({ ask: null });
        resolve(yes);
      },
    };
    asking.setState({ ask });
  });
}

/** Where the question shows (mounted once, with the session prompts). */
export function ConfirmDialog() {
  const ask = useStore(asking, (s) => s.ask);
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (!ask || !d) return;
    d.showModal();
    cancel.current?.focus();
    return () => {
      d.close(); // first: while it is open the rest of the page is inert and cannot take the focus
      if (ask.back?.isConnected) ask.back.focus();
    };
  }, [ask]);
  return (
    <dialog
      ref={dialog}
      className="confirm"
      data-testid="confirm"
      aria-labelledby="confirm-title"
      aria-describedby="confirm-body"
      onCancel={(e) => {
        e.preventDefault(); // Esc: answered here, so the dialog closes through the store like the buttons
        ask?.answer(false);
      }}
    >
      {ask && (
        <>
          <h2 id="confirm-title">{ask.title}</h2>
          <p id="confirm-body">{ask.body}</p>
          <div className="confirm-buttons">
            <button ref={cancel} type="button" className="button" data-testid="confirm-cancel" onClick={() => ask.answer(false)}>
              Cancel
            </button>
            <button type="button" className="button primary" data-testid="confirm-yes" onClick={() => ask.answer(true)}>
              {ask.confirm}
            </button>
          </div>
        </>
      )}
    </dialog>
  );
}
