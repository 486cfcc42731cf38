import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The kinds of S3 request the engine makes, told apart by method and query. */
export type S3RequestKind = 'write' | 'read' | 'list' | 'delete';

export function kindOf(method: string, url: string): S3RequestKind {
  const query = new URL(url, 'http://x').searchParams;
  if (method === 'DELETE' || (method === 'POST' && query.has('delete'))) return 'delete';
  if (method === 'PUT' || method === 'POST') return 'write';
  // A GET on the bucket with a listing query (list-type, prefix, delimiter) lists; other GETs and HEADs read.
  if (method === 'GET' && (query.has('list-type') || query.has('prefix') || query.has('delimiter'))) return 'list';
  return 'read';
}

/**
 * A pass-through HTTP proxy in front of an S3 server that answers 503 to every request of the armed
 * kind: S3 failing one kind of request at a time (writes, reads, listings or deletes), which an outage
 * of the whole server cannot show. Counts what it forwarded and what it failed, by kind.
 */
export class S3FaultProxy {
  readonly failed: Record<S3RequestKind, number> = { write: 0, read: 0, list: 0, delete: 0 };
  readonly forwarded: Record<S3RequestKind, number> = { write: 0, read: 0, list: 0, delete: 0 };
  private armed: S3RequestKind | undefined;
  private server: Server | undefined;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(port = 0): Promise<number> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((ok) => this.server!.listen(port, '127.0.0.1', ok));
    return (this.server.address() as AddressInfo).port;
  }

  fail(kind: S3RequestKind | undefined): void {
    this.armed = kind;
  }

  async stop(): Promise<void> {
    await new Promise<void>((ok) => (this.server ? this.server.close(() => ok()) : ok()));
    this.server?.closeAllConnections();
  }

  private handle(req: IncomingMessage, res: import('node:http').ServerResponse): void {
    const kind = kindOf(req.method ?? 'GET', req.url ?? '/');
    if (kind === this.armed) {
      this.failed[kind] += 1;
      req.resume();
      res.writeHead(503, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code><Message>injected by the fault proxy</Message></Error>');
      return;
    }
    this.forwarded[kind] += 1;
    const upstream = request({ host: this.target.host, port: this.target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  }
}
