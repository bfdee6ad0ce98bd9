import net from 'node:net';

/**
 * A TCP forwarder on 127.0.0.1 that a test can cut, to stand for a network
 * partition between the portal and an apiserver (TLS passes through; the
 * apiserver's certificate is for 127.0.0.1, so it still verifies).
 */
export interface TcpProxy {
  port: number;
  /** Client connections open right now. */
  connections(): number;
  /** Drop every open connection and refuse new ones until resume(). */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const clients = new Set<net.Socket>();
  let paused = false;
  const server = net.createServer(client => {
    if (paused) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    clients.add(client);
    const drop = () => {
      clients.delete(client);
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    connections: () => clients.size,
    pause() {
      paused = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    resume() {
      paused = false;
    },
    close() {
      paused = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
      return new Promise(resolve => server.close(() => resolve()));
    },
  };
}
