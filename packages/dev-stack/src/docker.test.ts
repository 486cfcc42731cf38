import { createServer } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerEngineAnswers } from './docker';

describe('Docker engine detection (testcontainers only where an engine answers)', () => {
  it('answers no at once when there is no socket', async () => {
    const started = Date.now();
    expect(await dockerEngineAnswers(1500, { DOCKER_HOST: 'unix:///nonexistent/docker.sock' })).toBe(false);
    expect(Date.now() - started).toBeLessThan(200);
  });

  it('answers no within its timeout when a socket exists but nothing replies', async () => {
    const socketPath = join(mkdtempSync(join(tmpdir(), 'permafrost-docker-')), 'docker.sock');
    const silent = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((r) => silent.listen(socketPath, r));
    try {
      const started = Date.now();
      expect(await dockerEngineAnswers(300, { DOCKER_HOST: `unix://${socketPath}` })).toBe(false);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      silent.close();
    }
  });

  it('answers yes when the socket replies to /_ping', async () => {
    const socketPath = join(mkdtempSync(join(tmpdir(), 'permafrost-docker-')), 'docker.sock');
    const { createServer: createHttpServer } = await import('node:http');
    const engine = createHttpServer((req, res) => res.writeHead(req.url === '/_ping' ? 200 : 404).end('OK'));
    await new Promise<void>((r) => engine.listen(socketPath, r));
    try {
      expect(await dockerEngineAnswers(1500, { DOCKER_HOST: `unix://${socketPath}` })).toBe(true);
    } finally {
      engine.close();
    }
  });
});
