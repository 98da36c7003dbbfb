/**
 * A local HTTP server on 127.0.0.1 (a port of its own) standing in for a webhook and for the
 * Telegram Bot API: it records every request, answers 200 unless told otherwise, and holds the
 * requests under a path told to hang (answering none of them) until it is closed.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

export interface FakeRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  at: number;
}

export interface FakeHttp {
  base: string;
  requests: FakeRequest[];
  /** Requests whose path starts with one of these are held, never answered. */
  hang: Set<string>;
  /** The status answered for paths starting with a key (default 200). */
  status: Map<string, number>;
  close(): Promise<void>;
}

const open: FakeHttp[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()));
});

export async function startFakeHttp(): Promise<FakeHttp> {
  const requests: FakeRequest[] = [];
  const hang = new Set<string>();
  const status = new Map<string, number>();
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        body = { raw: text };
      }
      const path = req.url ?? '';
      requests.push({ path, headers: req.headers, body, at: Date.now() });
      if ([...hang].some((p) => path.startsWith(p))) {
        held.push(res);
        return;
      }
      const code = [...status].find(([p]) => path.startsWith(p))?.[1] ?? 200;
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: code === 200 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const fake: FakeHttp = {
    base: `http://127.0.0.1:${port}`,
    requests,
    hang,
    status,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  open.push(fake);
  return fake;
}
