import { escapeClaimed } from './escape';
import { useEffect, useState } from 'react';
import { LESSONS, lessonScenario } from '../../content/lessons/lessons';
import { appStore, loadScenario, useApp } from '../../store/store';
import './prompts.css';

/** Remembered in this browser once the card is dismissed or used: it is for a first visit only. */
const SEEN = 'capplay.startHere';

function seen(): boolean {
  try {
    return localStorage.getItem(SEEN) !== null;
  } catch {
    return false; // storage refused: the card shows on a first visit, as the session cannot be kept either
  }
}

function remember(): void {
  try {
    localStorage.setItem(SEEN, 'dismissed');
  } catch {
    // refused: it is gone for this visit
  }
}

/** After an action, focus what it opened (the card that held the focus is gone). */
const focus = (testId: string) => requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-testid="${testId}"]`)?.focus());

/**
 * The first visit (nothing saved, no link) gets a short card with three ways in: the relabel attack played in the
 * gallery, the gallery itself, lesson 1. Dismissed with × or Esc, or by taking one of them; never shown again.
 */
export function StartHere() {
  const firstVisit = useApp((s) => s.firstVisit);
  const ready = useApp((s) => s.status === 'ready');
  const [gone, setGone] = useState(seen);
  const shown = firstVisit && !gone;

  const close = () => {
    remember();
    setGone(true);
  };
  useEffect(() => {
    if (!shown) return;
    // Esc anywhere, the terminal included (it takes the focus first and keeps its keys): seen before it is.
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || escapeClaimed(e)) return;
      remember();
      setGone(true);
    };
    addEventListener('keydown', onKey, true);
    return () => removeEventListener('keydown', onKey, true);
  }, [shown]);
  if (!shown) return null;

  const lesson = LESSONS[0];
  const take = (act: () => void) => () => {
    close();
    act();
  };
  return (
    <section className="start-here" aria-labelledby="start-here-title" data-testid="start-here">
      <button type="button" className="dismiss" aria-label="Dismiss (Esc)" data-testid="start-here-dismiss" onClick={close}>
        ×
      </button>
      <h2 id="start-here-title">Start here</h2>
      <p className="muted">Watch an attack meet its defense, or learn the shell:</p>
      <div className="start-actions">
        <button
          type="button"
          className="button primary"
          data-testid="start-relabel"
          disabled={!ready}
          onClick={take(() => {
            appStore.setState({ learnTab: 'gallery', galleryPick: { id: 'relabel', play: true } });
            focus('tab-gallery');
          })}
        >
          Try the relabel attack
        </button>
        <button
          type="button"
          className="button"
          data-testid="start-gallery"
          onClick={take(() => {
            appStore.setState({ learnTab: 'gallery' });
            focus('tab-gallery');
          })}
        >
          Open the attack gallery
        </button>
        <button
          type="button"
          className="button"
          data-testid="start-lesson"
          disabled={!ready}
          onClick={take(() => {
            appStore.setState({ learnTab: 'lessons' });
            void loadScenario(lessonScenario(lesson), lesson.title);
            focus('tab-lessons');
          })}
        >
          Start lesson 1: {lesson.title}
        </button>
      </div>
    </section>
  );
}
