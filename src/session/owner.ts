/**
 * One tab at a time keeps the saved session, so two tabs of the playground never silently overwrite each other's
 * work. The owner holds a Web Lock for as long as it lives (the browser releases it when the tab closes or
 * crashes); another tab runs without saving and can take over, which tells the first tab it no longer saves.
 */

const LOCK = 'capplay-session';
/** A lock is held as long as the promise its callback returns is pending: for the tab's whole life. */
const held = new Promise<void>(() => {});

export type Ownership = 'owner' | 'other-tab' | 'taken-over';

export class SessionOwner {
  state: Ownership = 'other-tab';
  private waiting = false;
  private listeners = new Set<(s: Ownership) => void>();

  /**
   * Become the owner if no other tab is (or, with `steal`, even if one is). Resolves with whether this tab owns.
   * A tab that does not get it waits its turn: when the owner closes, it becomes the owner.
   */
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
            this.waitForTurn(locks);
            return undefined;
          }
          this.set('owner');
          resolve(true);
          return held;
        })
        .catch(() => {
          this.set('taken-over'); // another tab took the lock
          this.waitForTurn(locks);
        });
    });
  }

  /** Queue for the lock: granted once every tab before this one has closed (or given it up). */
  private waitForTurn(locks: LockManager): void {
    if (this.waiting) return;
    this.waiting = true;
    locks
      .request(LOCK, () => {
        this.waiting = false;
        if (this.state !== 'owner') this.set('owner');
        return held;
      })
      .catch(() => {
        this.waiting = false;
        this.set('taken-over');
        this.waitForTurn(locks);
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
