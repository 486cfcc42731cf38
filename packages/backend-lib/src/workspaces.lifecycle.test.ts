import { randomUUID } from 'node:crypto';
import { definePlugin, type LifecycleHookName } from '@permafrost/core/plugin';
import {
  HookFailedError,
  IllegalTransitionError,
  NotFoundError,
  ConflictError,
  InvalidInputError,
  TRANSITIONS,
  TRANSITION_NAMES,
  TransitionVetoedError,
  WORKSPACE_STATUSES,
  type TransitionName,
  type WorkspaceStatus,
} from '@permafrost/core';
import { DataSource } from 'typeorm';
import { startTestApp, type TestApp } from './testing';
import { Workspace, WorkspaceTransition } from './db/schema';

// Integration: embedded Postgres (workspace rows, advisory locks, transition records) through core's executor.
const calls: string[] = [];
const failOn = new Map<LifecycleHookName, string>();
const slowOn = new Map<LifecycleHookName, number>();

const recorder = (name: string, dependsOn: string[] = []) =>
  definePlugin({
    name,
    dependsOn,
    init({ emitter }) {
      for (const transition of TRANSITION_NAMES) {
        for (const phase of ['check', 'before', 'after'] as const) {
          const point: LifecycleHookName = `${phase}:${transition}`;
          emitter.tap(point, async (ctx: { workspaceId: string }) => {
            calls.push(`${name}@${point}:${ctx.workspaceId.slice(0, 8)}`);
            const delay = slowOn.get(point);
            if (delay) await new Promise((r) => setTimeout(r, delay));
            if (failOn.get(point) === name) throw new Error(`${name} refuses ${point}`);
          });
        }
      }
    },
  });

describe('workspace lifecycle on Postgres', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Given in reverse: boot order must follow dependencies (audit after billing), not the array.
    t = await startTestApp({ plugins: [recorder('audit', ['billing']), recorder('billing')] });
  });
  afterAll(async () => t?.stop());
  beforeEach(() => {
    calls.length = 0;
    failOn.clear();
    slowOn.clear();
  });

  const status = async (id: string) => (await t.app.resolve(DataSource).getRepository(Workspace).findOneByOrFail({ id })).status;
  const create = (name = `ws-${randomUUID()}`, externalId?: string) => t.workspaces.createWorkspace({ name, externalId });
  const run = (id: string, transition: TransitionName) =>
    ({ pause: t.workspaces.pauseWorkspace, resume: t.workspaces.resumeWorkspace, tombstone: t.workspaces.tombstoneWorkspace, untombstone: t.workspaces.activateTombstonedWorkspace })[transition].call(t.workspaces, id);
  const reach = async (id: string, target: WorkspaceStatus) => {
    if (target === 'Paused') await run(id, 'pause');
    if (target === 'Tombstoned') await run(id, 'tombstone');
  };

  describe.each(WORKSPACE_STATUSES.flatMap((from) => TRANSITION_NAMES.map((transition) => [from, transition] as const)))('from %s, %s', (from, transition) => {
    const legal = TRANSITIONS[transition].from.includes(from);
    it(legal ? `moves to ${TRANSITIONS[transition].to} with hooks in order` : 'is refused and changes nothing', async () => {
      const ws = await create();
      await reach(ws.id, from);
      calls.length = 0;
      if (legal) {
        const result = await run(ws.id, transition);
        expect(result).toMatchObject({ from, to: TRANSITIONS[transition].to, transition });
        expect(await status(ws.id)).toBe(TRANSITIONS[transition].to);
        const id = ws.id.slice(0, 8);
        expect(calls).toEqual([
          `billing@check:${transition}:${id}`, `audit@check:${transition}:${id}`,
          `billing@before:${transition}:${id}`, `audit@before:${transition}:${id}`, `billing@after:${transition}:${id}`, `audit@after:${transition}:${id}`,
        ]);
        expect(result.outcomes.map((o) => [o.plugin, o.point, o.ok])).toEqual([
          ['billing', `check:${transition}`, true], ['audit', `check:${transition}`, true],
          ['billing', `before:${transition}`, true], ['audit', `before:${transition}`, true],
          ['billing', `after:${transition}`, true], ['audit', `after:${transition}`, true],
        ]);
      } else {
        await expect(run(ws.id, transition)).rejects.toBeInstanceOf(IllegalTransitionError);
        expect(await status(ws.id)).toBe(from);
        expect(calls).toEqual([]);
      }
    });
  });

  it('unknown and malformed ids are NotFound, before any hook or query', async () => {
    for (const id of [randomUUID(), 'not-a-uuid', "'; DROP TABLE workspace; --", '', '00000000-0000-0000-0000-00000000000g']) {
      await expect(t.workspaces.pauseWorkspace(id)).rejects.toBeInstanceOf(NotFoundError);
    }
    expect(calls).toEqual([]);
  });

  it('a check veto changes nothing: no before hook runs, status unchanged, veto recorded, nothing to retry', async () => {
    const ws = await create();
    failOn.set('check:pause', 'audit');
    const err = await t.workspaces.pauseWorkspace(ws.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransitionVetoedError);
    expect(err).toMatchObject({ code: 'TRANSITION_VETOED', statusChanged: false, plugin: 'audit', hook: 'check:pause', workspaceId: ws.id });
    expect(await status(ws.id)).toBe('Active');
    expect(calls.some((c) => c.includes('@before') || c.includes('@after'))).toBe(false);
    const record = await t.app.resolve(DataSource).getRepository(WorkspaceTransition).findOneByOrFail({ workspaceId: ws.id });
    expect(record).toMatchObject({ state: 'failed', phase: 'check', completedHooks: [] });
    expect(await t.workspaces.retryTransition(ws.id)).toMatchObject({ retried: false });
  });

  it('a before-hook error keeps the status and records what completed; retry runs only the rest, once', async () => {
    const ws = await create();
    failOn.set('before:pause', 'audit');
    const err = await t.workspaces.pauseWorkspace(ws.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HookFailedError);
    expect(err).toMatchObject({ statusChanged: false, plugin: 'audit', hook: 'before:pause', completed: [{ plugin: 'billing', point: 'before:pause' }] });
    expect(await status(ws.id)).toBe('Active');
    const repo = t.app.resolve(DataSource).getRepository(WorkspaceTransition);
    expect(await repo.findOneByOrFail({ workspaceId: ws.id })).toMatchObject({ state: 'failed', phase: 'before', completedHooks: [{ plugin: 'billing', name: 'billing', point: 'before:pause' }] });

    failOn.clear();
    calls.length = 0;
    expect(await t.workspaces.retryTransition(ws.id)).toMatchObject({ retried: true, result: { to: 'Paused', attempt: 2 } });
    expect(calls.map((c) => c.split(':').slice(0, 2).join(':'))).toEqual(['audit@before:pause', 'billing@after:pause', 'audit@after:pause']);
    expect(await status(ws.id)).toBe('Paused');
  });

  it('an after-hook error is recorded and reported; retry finishes it', async () => {
    const ws = await create();
    failOn.set('after:tombstone', 'billing');
    const failures: unknown[] = [];
    t.app.emitter.on('transition:failed', (e) => failures.push(e));
    const err = await t.workspaces.tombstoneWorkspace(ws.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HookFailedError);
    expect(err).toMatchObject({ statusChanged: true, plugin: 'billing' });
    expect(await status(ws.id)).toBe('Tombstoned');
    expect(failures).toHaveLength(1);
    const repo = t.app.resolve(DataSource).getRepository(WorkspaceTransition);
    expect(await repo.findOneByOrFail({ workspaceId: ws.id })).toMatchObject({ state: 'failed', phase: 'after', failedHooks: [expect.objectContaining({ plugin: 'billing' })] });

    failOn.clear();
    calls.length = 0;
    const retry = await t.workspaces.retryTransition(ws.id);
    expect(retry.retried).toBe(true);
    // billing failed, audit completed: only billing runs again.
    expect(calls.map((c) => c.split(':').slice(0, 2).join(':'))).toEqual(['billing@after:tombstone']);
    expect(await repo.findOneByOrFail({ workspaceId: ws.id })).toMatchObject({ state: 'completed', attempt: 2 });
    expect(await t.workspaces.retryTransition(ws.id)).toMatchObject({ retried: false });
  });

  it('hook durations are reported per handler', async () => {
    const ws = await create();
    slowOn.set('after:pause', 120);
    const durations: Array<[string, number]> = [];
    const listener = (o: { plugin: string; point: string; durationMs: number }) => o.point === 'after:pause' && durations.push([o.plugin, o.durationMs]);
    t.app.emitter.on('hook:complete', listener);
    await t.workspaces.pauseWorkspace(ws.id);
    t.app.emitter.off('hook:complete', listener);
    expect(durations.map(([p]) => p)).toEqual(['billing', 'audit']);
    for (const [, ms] of durations) expect(ms).toBeGreaterThanOrEqual(100);
  });

  it('two transitions on one workspace are serialized: no lost update', async () => {
    const ws = await create();
    slowOn.set('before:pause', 300);
    slowOn.set('before:tombstone', 300);
    const results = await Promise.allSettled([t.workspaces.pauseWorkspace(ws.id), t.workspaces.tombstoneWorkspace(ws.id), t.workspaces.pauseWorkspace(ws.id)]);
    // Whatever order the lock grants: each saw the status the previous one committed.
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(IllegalTransitionError);
    expect(await status(ws.id)).toBe('Tombstoned');
    const entries = calls.filter((c) => c.includes('@before:')).map((c) => c.split('@')[0]);
    expect(entries.length % 2).toBe(0); // no interleaving: each transition ran both plugins' before hooks together
    const transitions = await t.app.resolve(DataSource).getRepository(WorkspaceTransition).find({ where: { workspaceId: ws.id, state: 'completed' }, order: { seq: 'ASC' } });
    for (let i = 1; i < transitions.length; i++) expect(transitions[i]!.from).toBe(transitions[i - 1]!.to);
  });

  it('transitions on different workspaces run in parallel', async () => {
    const [a, b] = await Promise.all([create(), create()]);
    slowOn.set('before:pause', 400);
    const started = Date.now();
    await Promise.all([t.workspaces.pauseWorkspace(a.id), t.workspaces.pauseWorkspace(b.id)]);
    // Each pause waits 2 × 400 ms in its own hooks; serialized they would take ≥ 1600 ms.
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('tombstone frees name and external id; untombstone restores them, or refuses with Conflict', async () => {
    const name = `acme-${randomUUID()}`;
    const externalId = `ext-${randomUUID()}`;
    const ws = await create(name, externalId);
    await t.workspaces.tombstoneWorkspace(ws.id);
    const tombstoned = await t.workspaces.getWorkspace(ws.id);
    expect(tombstoned.name).not.toBe(name);
    expect(tombstoned.name).toContain(name);
    expect(tombstoned.externalId).toContain(externalId);

    const taker = await create(name); // the name is free again
    calls.length = 0;
    const err = await t.workspaces.activateTombstonedWorkspace(ws.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as Error).message).toContain(taker.id);
    expect(await status(ws.id)).toBe('Tombstoned');
    expect(calls).toEqual([]);

    await t.workspaces.tombstoneWorkspace(taker.id);
    await t.workspaces.activateTombstonedWorkspace(ws.id);
    expect(await t.workspaces.getWorkspace(ws.id)).toMatchObject({ name, externalId, status: 'Active' });
  });

  it('creating a workspace validates input and refuses duplicates', async () => {
    const name = `dup-${randomUUID()}`;
    await create(name);
    await expect(create(name)).rejects.toBeInstanceOf(ConflictError);
    for (const bad of ['', '   ', 'x'.repeat(201), 'tombstoned:sneaky', 'a\u0000b', undefined, null, 42]) {
      await expect(t.workspaces.createWorkspace({ name: bad as string })).rejects.toBeInstanceOf(InvalidInputError);
    }
  });
});
