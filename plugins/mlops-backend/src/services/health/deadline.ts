/** A piece of work that did not finish in time. */
export class DeadlineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeadlineError';
  }
}

/** Resolves like `work`, or rejects with a {@link DeadlineError} carrying `message` after `ms`. */
export function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  message: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(message)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * One timer shared by several pieces of work started together (the six
 * signals of an entity): `race(work)` resolves like `work` or rejects with a
 * {@link DeadlineError} once `ms` have passed since the deadline was made.
 * Call `clear()` when all of them are settled.
 */
export function sharedDeadline(
  ms: number,
  message: string,
): { race<T>(work: Promise<T>): Promise<T>; clear(): void } {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(message)), ms);
  });
  // Nobody may be racing it any more when it fires.
  late.catch(() => undefined);
  return {
    race: work => Promise.race([work, late]),
    clear: () => clearTimeout(timer),
  };
}
