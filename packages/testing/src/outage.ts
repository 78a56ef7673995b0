// An outage of one client's server, without touching the server: a TCP proxy in front of it
// that a test takes down and brings back, as a network partition or a crashed broker looks to
// the client. Other tests, and anything else on this machine, keep using the real server.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface Outage {
  /** `url` with its host and port replaced by the proxy's: give this to the client under test. */
  url: string;
  /** Drops every connection and resets new ones, as a server that died would. */
  begin(): Promise<void>;
  /** Takes connections again, on the same port. */
  end(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A proxy to the server at `url` (`amqp://…`, `mongodb://…`, `postgres://…`, …), up at first.
 *
 * Down, it keeps its port and resets each connection as it arrives: a port let go would lie in
 * the kernel's ephemeral range, where a client reconnecting to it can be handed that very port as
 * its own and connect to itself (a TCP self-connect, which then hangs, and keeps the proxy from
 * listening again).
 */
export async function outageProxyFor(url: string): Promise<Outage> {
  const target = new URL(url);
  const targetPort = Number(target.port);
  const sockets = new Set<Socket>();
  let down = false;

  const server: Server = createServer((client) => {
    if (down) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(targetPort, target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });

  function begin() {
    down = true;
    for (const socket of sockets) socket.destroy();
    return Promise.resolve();
  }

  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String((server.address() as { port: number }).port);
  return {
    url: proxied.toString(),
    begin,
    end: () => {
      down = false;
      return Promise.resolve();
    },
    close: async () => {
      await begin();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
