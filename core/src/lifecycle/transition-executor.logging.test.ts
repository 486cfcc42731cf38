import { createLogger } from '../logger';
import { tapper, testApp } from '../testing/test-app';

// The executor's debug trail: one line per handler and per phase, with the ids an operator greps for.
describe('TransitionExecutor debug logs', () => {
  const records = (lines: string[]) => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

  it('logs each phase and each handler with workspaceId, transitionId, point, plugin and durationMs', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', destination: { write: (chunk: string) => void lines.push(chunk) } });
    const { executor } = await testApp([
      tapper('audit', (e) => {
        e.tap('check:pause', () => undefined);
        e.tap('after:pause', async () => new Promise((r) => setTimeout(r, 20)));
      }),
    ], { logger });
    const result = await executor.execute('w', 'pause');
    const hooks = records(lines).filter((r) => r.msg === 'hook finished');
    expect(hooks.map((h) => [h.point, h.plugin, h.handler, h.ok])).toEqual([['check:pause', 'audit', 'audit', true], ['after:pause', 'audit', 'audit', true]]);
    for (const h of hooks) expect(h).toMatchObject({ level: 20, workspaceId: 'w', transitionId: result.transitionId, durationMs: expect.any(Number) });
    expect(hooks[1]!.durationMs).toBeGreaterThanOrEqual(15);
    const phases = records(lines).filter((r) => r.msg === 'phase finished');
    expect(phases.map((p) => [p.point, p.handlers, p.failed])).toEqual([['check:pause', 1, 0], ['before:pause', 0, 0], ['after:pause', 1, 0]]);
    for (const p of phases) expect(p).toMatchObject({ workspaceId: 'w', transitionId: result.transitionId, durationMs: expect.any(Number) });
  });

  it('logs a failing handler with its error and the handlers it stopped as skipped', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', destination: { write: (chunk: string) => void lines.push(chunk) } });
    const { executor } = await testApp([
      tapper('quota', (e) => e.tap('before:pause', () => { throw new Error('quota down'); })),
      tapper('later', (e) => e.tap('before:pause', () => undefined), ['quota']),
    ], { logger });
    await expect(executor.execute('w', 'pause')).rejects.toThrow(/quota down/);
    const hooks = records(lines).filter((r) => r.msg === 'hook finished');
    expect(hooks.map((h) => [h.plugin, h.ok, h.error ?? null, h.skipped ?? false])).toEqual([['quota', false, 'quota down', false], ['later', false, null, true]]);
  });

  it('logs nothing at the default level', async () => {
    const lines: string[] = [];
    const { executor } = await testApp([tapper('audit', (e) => e.tap('after:pause', () => undefined))], { logger: createLogger({ level: 'warn', destination: { write: (c: string) => void lines.push(c) } }) });
    await executor.execute('w', 'pause');
    expect(lines).toEqual([]);
  });
});
