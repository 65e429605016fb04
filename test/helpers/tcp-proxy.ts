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
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host?: string; port: number }): Promise<TcpProxy> {
  const host = target.host ?? '127.0.0.1';
  const sockets = new Set<net.Socket>();
  let down = false;
  let accepted = 0;
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
    const upstream = net.connect(target.port, host);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
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
    restore() {
      down = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        destroyAll();
        server.close(() => resolve());
      }),
  };
}
