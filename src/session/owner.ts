/**
 * One tab at a time keeps the saved session, so two tabs of the playground never silently overwrite each other's
 * work. The owner holds a Web Lock for as long as it lives (the browser releases it when the tab closes or
 * crashes); another tab runs without saving and can take over, which tells the first tab it no longer saves.
 * A tab never takes over by itself: when the owner goes (closed, or only reloading), the other tab's session may
 * be older than what is saved, so it says the keeper is gone and leaves the choice to the person.
 */

const LOCK = 'capplay-session';
/** How often a tab that does not keep the session looks whether any tab still does. */
const LOOK_EVERY_MS = 2000;

/** This tab keeps the session; another does (it started second, or took over); or no tab does any more. */
export type Ownership = 'owner' | 'other-tab' | 'taken-over' | 'no-owner';

export class SessionOwner {
  state: Ownership = 'other-tab';
  private listeners = new Set<(s: Ownership) => void>();
  private looking: ReturnType<typeof setInterval> | null = null;
  private letGo: () => void = () => {};
  /** A lock is held as long as the promise its callback returns is pending: for the tab's whole life (or until release). */
  private readonly held = new Promise<void>((resolve) => (this.letGo = resolve));

  /** Become the owner if no other tab is (or, with `steal`, even if one is). Resolves with whether this tab owns. */
  claim(steal = false): Promise<boolean> {
    const locks = (navigator as Navigator & { locks?: LockManager }).locks;
    if (!locks) {
      this.set('owner'); // no Web Locks (an old browser): behave as before, one tab assumed
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      let granted = false;
      locks
        .request(LOCK, steal ? { steal: true } : { ifAvailable: true }, (lock) => {
          granted = lock !== null;
          this.set(granted ? 'owner' : 'other-tab');
          resolve(granted);
          if (!granted) this.watch(locks);
          return granted ? this.held : undefined;
        })
        .catch((e: unknown) => {
          if (granted && e instanceof DOMException && e.name === 'AbortError') {
            this.set('taken-over'); // another tab took the lock
            this.watch(locks);
          } else if (!granted) {
            this.set('owner'); // locks refused here (an opaque origin, say): behave as before, one tab assumed
            resolve(true);
          }
        });
    });
  }

  /** While another tab keeps the session, look now and then whether it still does (a closed tab lets go). */
  private watch(locks: LockManager): void {
    if (this.looking) return;
    this.looking = setInterval(() => {
      if (this.state === 'owner') {
        clearInterval(this.looking!);
        this.looking = null;
        return;
      }
      locks.query().then(
        (q) => {
          if (this.state === 'owner') return;
          const kept = (q.held ?? []).some((l) => l.name === LOCK);
          if (!kept && this.state !== 'no-owner') this.set('no-owner');
          else if (kept && this.state === 'no-owner') this.set('other-tab');
        },
        () => {},
      );
    }, LOOK_EVERY_MS);
  }

  /** Stop looking at other tabs, let go of the lock if this tab holds it, and tell no one any more (a disposed client). */
  release(): void {
    if (this.looking) clearInterval(this.looking);
    this.looking = null;
    this.listeners.clear();
    this.letGo();
  }

  get owns(): boolean {
    return this.state === 'owner';
  }

  subscribe(l: (s: Ownership) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private set(s: Ownership): void {
    this.state = s;
    for (const l of this.listeners) l(s);
  }
}
