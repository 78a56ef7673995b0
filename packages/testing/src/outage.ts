// An outage of one client's server, without touching the server: a TCP proxy in front of it
// that a test takes down and brings back, as a network partition or a crashed broker looks to
// the client. Other tests, and anything else on this machine, keep using the real server.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface Outage {
  /** `url` with its host and port replaced by the proxy's: give this to the client under test. */
  url: string;
  /** Drops every connection and refuses new ones, as a server that died would. */
  begin(): Promise<void>;
  /** Takes connections again, on the same port. */
  end(): Promise<void>;
  close(): Promise<void>;
}

/** A proxy to the server at `url` (`amqp://…`, `mongodb://…`, `postgres://…`, …), up at first. */
export async function outageProxyFor(url: string): Promise<Outage> {
  const target = new URL(url);
  const targetPort = Number(target.port);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const listening = createServer((client) => {
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
      listening.once('error', reject);
      listening.listen(port, '127.0.0.1', () => {
        port = (listening.address() as { port: number }).port;
        server = listening;
        resolve();
      });
    });

  async function begin() {
    const closing = server;
    server = undefined;
    if (!closing) return;
    const closed = new Promise<void>((resolve) => closing.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  }

  await listen();
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(port);
  return {
    url: proxied.toString(),
    begin,
    end: () => (server ? Promise.resolve() : listen()),
    close: begin,
  };
}
