/**
 * A TCP proxy on 127.0.0.1 in front of a real server (PostgreSQL, Redis) that a test can cut
 * and restore. Restarting the shared PostgreSQL or Redis would break every other test file
 * running at the same time; cutting one instance's path to them simulates the same outage for
 * that instance alone (see docs/reliability.md).
 */
import net from 'node:net';

export interface TcpProxy {
  port: number;
  /** Connections accepted since start (a reconnect after restore() shows up here). */
  readonly accepted: number;
  /** Destroys every open connection and refuses new ones until restore(). */
  cut(): void;
  /**
   * A server that accepts connections but never answers: open connections stop carrying bytes
   * (both ways) and stay open, new ones are accepted and ignored. Those connections stay silent
   * after restore(), as a peer's half-dead TCP connection would: only client-side timeouts end them.
   */
  blackHole(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host?: string; port: number }): Promise<TcpProxy> {
  const host = target.host ?? '127.0.0.1';
  const sockets = new Set<net.Socket>();
  let down = false;
  let hole = false;
  let accepted = 0;
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    // A destroyed pair reports ECONNRESET/EPIPE; that is the outage working, not a test failure.
    s.on('error', () => undefined);
  };
  const server = net.createServer((client) => {
    track(client);
    if (down) return void client.destroy();
    accepted++;
    // Read and dropped: the client's bytes go nowhere, nothing ever comes back.
    if (hole) return void client.resume();
    const upstream = net.connect(target.port, host);
    track(upstream);
    const pair = { client, upstream };
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => (pairs.delete(pair), upstream.destroy()));
    upstream.on('close', () => (pairs.delete(pair), client.destroy()));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const destroyAll = () => {
    for (const s of sockets) s.destroy();
  };
  return {
    port: (server.address() as net.AddressInfo).port,
    get accepted() {
      return accepted;
    },
    cut() {
      down = true;
      destroyAll();
    },
    blackHole() {
      hole = true;
      for (const { client, upstream } of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.resume();
        upstream.resume();
      }
      pairs.clear();
    },
    restore() {
      down = false;
      hole = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        destroyAll();
        server.close(() => resolve());
      }),
  };
}
