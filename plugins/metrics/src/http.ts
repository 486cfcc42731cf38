import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { InvalidInputError } from '@permafrost/core/plugin';
import { MetricsServerError } from './errors';

/** A Node `http` request handler serving the text exposition at `path`, with `render()` for any other server. */
export interface MetricsHandler {
  (req: IncomingMessage, res: ServerResponse): void;
  /** The registry's metrics in the Prometheus text format. */
  render(): Promise<string>;
  readonly contentType: string;
}

/**
 * Serves `registry` at `path` (default `/metrics`): GET and HEAD answer 200 with the exposition, other
 * methods 405, other paths 404. Mount it in any app's server, or use serveMetrics.
 */
export function metricsHandler(registry: Registry, options: { path?: string } = {}): MetricsHandler {
  const path = options.path ?? '/metrics';
  const render = () => registry.metrics();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (new URL(req.url ?? '/', 'http://metrics').pathname !== path) return void res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found; metrics are at ${path}\n`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('use GET\n');
    render().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? undefined : body),
      // A collect() failing must not leave the scraper hanging: it sees the failure and retries next scrape.
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics could not be rendered: ${(err as Error).message}\n`),
    );
  };
  return Object.assign(handler, { render, contentType: registry.contentType });
}

export interface ServeMetricsOptions {
  registry: Registry;
  /** 0 picks a free port (see `port` on the result). */
  port: number;
  /** Default 127.0.0.1: a scraper on another host needs `0.0.0.0` (or the interface it reaches). */
  host?: string;
  path?: string;
}

export interface MetricsServer {
  /** Where to scrape, e.g. `http://127.0.0.1:9464/metrics`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Refuses a port that cannot be listened on, before anything starts. */
export function assertPort(port: unknown): asserts port is number {
  if (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535) {
    throw new InvalidInputError(`The metrics port must be a whole number from 0 to 65535, got ${JSON.stringify(port)}; nothing was started.`, { plugin: 'metrics' });
  }
}

/** A tiny HTTP server for `registry` alone (e.g. a worker that serves nothing else). */
export async function serveMetrics(options: ServeMetricsOptions): Promise<MetricsServer> {
  const { port } = options;
  const host = options.host ?? '127.0.0.1';
  const path = options.path ?? '/metrics';
  assertPort(port);
  const server = createServer(metricsHandler(options.registry, { path }));
  await new Promise<void>((listening, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) => fail(new MetricsServerError(
      `Could not serve metrics on ${host}:${port} (${err.code ?? err.message}); choose another port or host, or stop what holds it. Nothing was started.`, { plugin: 'metrics', cause: err })));
    server.listen(port, host, () => listening());
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${bound}${path}`,
    port: bound,
    close: () => new Promise<void>((closed) => {
      server.close(() => closed());
      server.closeAllConnections(); // a scraper's keep-alive connection would hold close() open
    }),
  };
}
