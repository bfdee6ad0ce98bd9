/**
 * A TCP forwarder on a fixed loopback address that can be opened and closed:
 * open, every connection is piped to `127.0.0.1:<targetPort>`; closed,
 * nothing listens (ECONNREFUSED), as a Service with no Ready endpoints. The
 * address stays the same across open/close. (test-env's demo forwarder,
 * startLoopbackForwarder, is not exported and cannot re-open.)
 */
import net from 'node:net';
import { freePort } from '@internal/test-env';

export interface LoopbackGate {
  host: string;
  port: number;
  /** `http://host:port` */
  url: string;
  isOpen(): boolean;
  open(): Promise<void>;
  /** Stops listening and drops every open connection. */
  close(): Promise<void>;
}

export async function createLoopbackGate(
  targetPort: number,
  listen: { host?: string; port?: number } = {},
): Promise<LoopbackGate> {
  const host = listen.host ?? '127.0.0.1';
  if (!host.startsWith('127.')) {
    throw new Error(`gate address ${host} is not loopback`);
  }
  // 0 too means "any": the gate must reopen on the same address, so pick it now.
  const port = listen.port || (await freePort());
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;

  return {
    host,
    port,
    url: `http://${host}:${port}`,
    isOpen: () => server !== undefined,
    open() {
      if (server) return Promise.resolve();
      const s = net.createServer(client => {
        const upstream = net.connect(targetPort, '127.0.0.1');
        for (const sock of [client, upstream]) {
          sockets.add(sock);
          sock.on('close', () => sockets.delete(sock));
          sock.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      return new Promise((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, host, () => {
          s.off('error', reject);
          server = s;
          resolve();
        });
      });
    },
    close() {
      const s = server;
      server = undefined;
      for (const sock of sockets) sock.destroy();
      sockets.clear();
      if (!s) return Promise.resolve();
      return new Promise(resolve => s.close(() => resolve()));
    },
  };
}
