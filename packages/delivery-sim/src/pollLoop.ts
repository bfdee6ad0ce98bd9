/**
 * The poll loop every controller of the delivery loop runs: `tick` every
 * `pollMs` after the previous one ended (never two at once), `reconcileNow()`
 * queued behind a running tick, and `stop()` waiting for the tick in flight.
 */
export interface PollLoop {
  /** Runs a tick now (after the one in flight); rejects with its error. */
  reconcileNow(): Promise<void>;
  stop(): Promise<void>;
}

export function startPollLoop(
  tick: () => Promise<void>,
  pollMs: number,
  /** A scheduled tick's failure (a reconcileNow() caller gets it instead). */
  onError: (error: Error) => void = () => {},
  /** A scheduled tick that succeeded. */
  onSuccess: () => void = () => {},
): PollLoop {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();

  const enqueue = (): Promise<void> => {
    const run = chain.then(() => (stopped ? undefined : tick()));
    chain = run.catch(() => undefined);
    return run;
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      enqueue()
        .then(onSuccess, e => onError(e as Error))
        .finally(schedule);
    }, pollMs);
  };
  schedule();

  return {
    reconcileNow: enqueue,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await chain;
    },
  };
}
