/**
 * The fake peers of the delivery benchmarks, built to cost as little CPU per request as possible
 * so that the figure measured is the worker's, not theirs (node:http spends about as much per
 * request as the worker does per delivery). A raw TCP server reads HTTP/1.1 requests (headers up
 * to the blank line, then Content-Length bytes of body: the platform never sends chunked bodies)
 * and answers each with one prepared response carrying an OCPI 1000 envelope. Keep-alive, and
 * pipelined requests are answered in order.
 *
 * One listening port per peer: real peers live on their own hosts, so the worker keeps one
 * connection pool per peer, as it does in production, instead of one shared pool for all.
 */
import net from 'node:net';

const BODY = JSON.stringify({ status_code: 1000, timestamp: '2025-01-01T00:00:00Z' });
const RESPONSE = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(BODY)}\r\nKeep-Alive: timeout=60\r\n\r\n${BODY}`, 'latin1');
const HEADER_END = Buffer.from('\r\n\r\n');

export interface FastSink {
  /** The base URL of each peer (one port each). */
  urls: string[];
  /** Requests answered so far, all ports together. */
  count(): number;
  /** Called after each batch of answers (a test of arrival time waits on it). */
  onRequest(fn: (() => void) | null): void;
  close(): Promise<void>;
}

/** The request's Content-Length (0 without one), read from its header block `buf[from, to)`. */
function contentLength(buf: Buffer, from: number, to: number): number {
  const head = buf.toString('latin1', from, to).toLowerCase();
  const at = head.indexOf('\r\ncontent-length:');
  return at < 0 ? 0 : Number.parseInt(head.slice(at + 17), 10) || 0;
}

export async function startFastSink(ports: number): Promise<FastSink> {
  let count = 0;
  let hook: (() => void) | null = null;
  const sockets = new Set<net.Socket>();
  const serve = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setNoDelay(true);
    let rest: Buffer | null = null;
    socket.on('data', (chunk: Buffer) => {
      const buf = rest ? Buffer.concat([rest, chunk]) : chunk;
      let at = 0;
      let answers = 0;
      for (;;) {
        const end = buf.indexOf(HEADER_END, at);
        if (end < 0) break;
        const next = end + 4 + contentLength(buf, at, end);
        if (next > buf.length) break;
        answers++;
        at = next;
      }
      rest = at < buf.length ? buf.subarray(at) : null;
      if (answers === 0) return;
      count += answers;
      socket.write(answers === 1 ? RESPONSE : Buffer.concat(Array.from({ length: answers }, () => RESPONSE)));
      hook?.();
    });
  };
  const servers = await Promise.all(
    Array.from(
      { length: ports },
      () =>
        new Promise<net.Server>((resolve) => {
          const server = net.createServer(serve);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  return {
    urls: servers.map((s) => `http://127.0.0.1:${(s.address() as net.AddressInfo).port}`),
    count: () => count,
    onRequest: (fn) => (hook = fn),
    async close() {
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    },
  };
}
