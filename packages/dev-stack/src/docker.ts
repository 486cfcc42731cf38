import { existsSync } from 'node:fs';
import { request } from 'node:http';

/**
 * Answers within `timeoutMs` whether a Docker engine responds to /_ping. No socket (our machines and CI)
 * answers at once; a socket with nothing behind it answers by timeout. Only DOCKER_HOST=unix:// and the
 * default socket are probed: a tcp:// engine is left to testcontainers' own detection.
 */
export function dockerEngineAnswers(timeoutMs = 1500, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const host = env.DOCKER_HOST;
  const socketPath = host?.startsWith('unix://') ? host.slice('unix://'.length) : host ? undefined : '/var/run/docker.sock';
  if (!socketPath || !existsSync(socketPath)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.once('error', () => resolve(false));
    req.end();
  });
}
