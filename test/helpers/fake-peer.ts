/**
 * A scriptable OCPI peer on 127.0.0.1: serves a versions list and 2.2.1 details by default,
 * records every request, and lets a test replace any route's behaviour.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import type { RecordedRequest } from './platform.js';

type Handler = (req: Request, res: Response) => void | Promise<void>;

export interface FakePeer {
  url: string;
  versionsUrl: string;
  received: RecordedRequest[];
  /** Tokens (raw) the peer accepts; empty = accept any. */
  acceptedTokens: Set<string>;
  /** A path ending in `*` matches every path with that prefix. */
  on(method: string, path: string, handler: Handler): void;
  close(): Promise<void>;
}

export const ok = (data?: unknown) => ({ status_code: 1000, timestamp: new Date().toISOString(), ...(data === undefined ? {} : { data }) });

export function decodeToken(header: string | undefined): string | undefined {
  const m = /^Token (.+)$/.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  return Buffer.from(decoded, 'utf8').toString('base64') === m[1] ? decoded : m[1];
}

export async function startFakePeer(extraEndpoints: Array<{ identifier: string; role: string; path: string }> = []): Promise<FakePeer> {
  const app = express();
  const received: RecordedRequest[] = [];
  const overrides = new Map<string, Handler>();
  const acceptedTokens = new Set<string>();
  app.use(express.json({ type: () => true }));
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  app.use(async (req, res, next) => {
    received.push({ method: req.method, path: req.path, query: { ...req.query }, headers: { ...req.headers }, body: req.body });
    const override = overrides.get(`${req.method} ${req.path}`) ?? [...overrides].find(([k]) => k.endsWith('*') && `${req.method} ${req.path}`.startsWith(k.slice(0, -1)))?.[1];
    if (acceptedTokens.size && !acceptedTokens.has(decodeToken(req.get('authorization')) ?? '')) {
      res.status(401).json({ status_code: 2000, timestamp: new Date().toISOString() });
      return;
    }
    if (override) return void (await override(req, res));
    next();
  });
  app.get('/versions', (_req, res) => {
    res.json(
      ok([
        { version: '2.1.1', url: `${url}/2.1.1` },
        { version: '2.2.1', url: `${url}/2.2.1` },
      ]),
    );
  });
  app.get('/2.2.1', (_req, res) => {
    res.json(
      ok({
        version: '2.2.1',
        endpoints: [
          { identifier: 'credentials', role: 'SENDER', url: `${url}/2.2.1/credentials` },
          ...extraEndpoints.map((e) => ({ identifier: e.identifier, role: e.role, url: `${url}${e.path}` })),
        ],
      }),
    );
  });
  app.use((_req, res) => {
    res.status(404).json({ status_code: 2000, status_message: 'not found', timestamp: new Date().toISOString() });
  });

  return {
    url,
    versionsUrl: `${url}/versions`,
    received,
    acceptedTokens,
    on: (method, path, handler) => void overrides.set(`${method.toUpperCase()} ${path}`, handler),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
