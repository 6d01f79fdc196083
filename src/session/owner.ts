/**
 * One tab at a time keeps the saved session, so two tabs of the playground never silently overwrite each other's
 * work. The owner holds a Web Lock for as long as it lives (the browser releases it when the tab closes or
 * crashes); another tab runs without saving and can take over, which tells the first tab it no longer saves.
 */

const LOCK = 'capplay-session';

export type Ownership = 'owner' | 'other-tab' | 'taken-over';

export class SessionOwner {
  state: Ownership = 'other-tab';
  private listeners = new Set<(s: Ownership) => void>();

  /** Become the owner if no other tab is (or, with `steal`, even if one is). Resolves with whether this tab owns. */
  claim(steal = false): Promise<boolean> {
    const locks = (navigator as Navigator & { locks?: LockManager }).locks;
    if (!locks) {
      this.set('owner'); // no Web Locks (an old browser): behave as before, one tab assumed
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      locks
        .request(LOCK, steal ? { steal: true } : { ifAvailable: true }, (lock) => {
          if (!lock) {
            this.set('other-tab');
            resolve(false);
            return undefined;
          }
          this.set('owner');
          resolve(true);
          return new Promise<void>(() => {}); // held until the tab goes, or another steals it
        })
        .catch(() => this.set('taken-over')); // another tab took the lock
    });
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
