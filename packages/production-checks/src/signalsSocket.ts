/**
 * A browser's view of Backstage signals: a WebSocket to a replica's
 * `/api/signals` (as the signals frontend opens it; no token = guest),
 * subscribed to one channel, collecting what is pushed.
 */
export interface SignalMessage {
  channel: string;
  message: Record<string, unknown>;
}

export interface SignalsSocket {
  received: SignalMessage[];
  /** Resolves with the first message matching `match` (already received or later). */
  next(
    match: (m: SignalMessage) => boolean,
    timeoutMs: number,
  ): Promise<SignalMessage>;
  close(): void;
}

export async function openSignalsSocket(
  baseUrl: string,
  channel: string,
): Promise<SignalsSocket> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/signals`);
  const received: SignalMessage[] = [];
  const waiters = new Set<() => void>();
  ws.addEventListener('message', event => {
    if (typeof event.data !== 'string') return;
    try {
      received.push(JSON.parse(event.data) as SignalMessage);
    } catch {
      return;
    }
    for (const wake of waiters) wake();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no WebSocket to ${baseUrl}/api/signals in 10 s`)),
      10_000,
    );
    ws.addEventListener('open', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.addEventListener('error', () => {
      clearTimeout(timer);
      reject(new Error(`WebSocket to ${baseUrl}/api/signals failed`));
    });
  });
  ws.send(JSON.stringify({ action: 'subscribe', channel }));
  return {
    received,
    next(match, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = received.find(match);
          if (!found) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `no matching signal on ${channel} from ${baseUrl} in ${timeoutMs} ms (received: ${JSON.stringify(
                received,
              )})`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => ws.close(),
  };
}
