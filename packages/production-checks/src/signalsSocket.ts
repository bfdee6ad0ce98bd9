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
  /** Which connection attempt opened (1 = the first). */
  attempt: number;
  received: SignalMessage[];
  /** Resolves with the first message matching `match` (already received or later). */
  next(
    match: (m: SignalMessage) => boolean,
    timeoutMs: number,
  ): Promise<SignalMessage>;
  close(): void;
}

/**
 * Opens the socket as the signals frontend does, retrying: the signals
 * backend starts listening for WebSocket upgrades only once a first upgrade
 * request has reached its router, and that first request gets no answer.
 */
async function connect(
  url: string,
  attempts: number,
): Promise<{ ws: WebSocket; attempt: number }> {
  let last: Error | undefined;
  for (let i = 0; i < attempts; i++) {
    const ws = new WebSocket(url);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no WebSocket to ${url} in 3 s`)),
          3_000,
        );
        ws.addEventListener('open', () => {
          clearTimeout(timer);
          resolve();
        });
        ws.addEventListener('error', () => {
          clearTimeout(timer);
          reject(new Error(`WebSocket to ${url} failed`));
        });
      });
      return { ws, attempt: i + 1 };
    } catch (e) {
      last = e as Error;
      ws.close();
    }
  }
  throw new Error(`${last?.message} (${attempts} attempts)`);
}

export async function openSignalsSocket(
  baseUrl: string,
  channel: string,
): Promise<SignalsSocket> {
  const { ws, attempt } = await connect(
    `${baseUrl.replace(/^http/, 'ws')}/api/signals`,
    5,
  );
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
  ws.send(JSON.stringify({ action: 'subscribe', channel }));
  return {
    attempt,
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
