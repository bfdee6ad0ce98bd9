/**
 * Timers owned by one simulator: unref'd (never keep a process alive) and all
 * cleared when the simulator stops.
 */
export class TimerSet {
  private readonly live = new Set<NodeJS.Timeout>();
  private stopped = false;

  /** Runs `fn` after `ms`; returns a cancel function. */
  after(ms: number, fn: () => void): () => void {
    if (this.stopped) return () => {};
    const handle = setTimeout(() => {
      this.live.delete(handle);
      fn();
    }, Math.max(0, ms));
    handle.unref();
    this.live.add(handle);
    return () => {
      clearTimeout(handle);
      this.live.delete(handle);
    };
  }

  /** Runs `fn` every `ms`; returns a cancel function. */
  every(ms: number, fn: () => void): () => void {
    if (this.stopped) return () => {};
    const handle = setInterval(fn, Math.max(1, ms));
    handle.unref();
    this.live.add(handle);
    return () => {
      clearInterval(handle);
      this.live.delete(handle);
    };
  }

  /** Resolves after `ms` (or at once when the set is cleared first). */
  sleep(ms: number): Promise<void> {
    return new Promise(resolve => {
      if (this.stopped) {
        resolve();
        return;
      }
      this.after(ms, resolve);
    });
  }

  clear(): void {
    this.stopped = true;
    for (const handle of this.live) {
      clearTimeout(handle);
      clearInterval(handle);
    }
    this.live.clear();
  }
}
