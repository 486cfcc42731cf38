import { randomUUID } from 'node:crypto';
import { HookFailedError, TransitionVetoedError } from '@permafrost/core';
import { definePlugin } from '@permafrost/core/plugin';
import { generateEvents } from '@permafrost/backend-lib';
import { startTestApp, snapshotWorkspace, waitForMutations, type TestApp } from '@permafrost/backend-lib/testing';
import { startTestStack } from '@permafrost/dev-stack/testing';
import { coldStorage, COLD_STORAGE_PLUGIN } from './plugin';
import { COLD_TABLE } from './strategies/table';

// Integration: embedded ClickHouse + S3 (s3rver) + Postgres. A plugin booted after cold storage refuses a
// resume, first in its check (a veto), then in its before hook (after cold storage's restore has run).
const EVENTS = 1200;
const policy = { veto: false, failBefore: false, beforeRuns: 0 };

const laterPlugin = definePlugin({
  name: 'policy',
  dependsOn: [COLD_STORAGE_PLUGIN],
  init({ emitter }) {
    emitter.tap('check:resume', () => {
      if (policy.veto) throw new Error('workspace is under legal hold');
    });
    emitter.tap('before:resume', () => {
      policy.beforeRuns += 1;
      if (policy.failBefore) throw new Error('quota service down');
    });
  },
});

describe('cold storage with a later plugin refusing a resume', () => {
  let t: TestApp;
  beforeAll(async () => {
    const stack = await startTestStack();
    t = await startTestApp({ stack, plugins: [coldStorage({ s3: stack.s3, pageRows: 500 }), laterPlugin] });
  });
  afterAll(async () => {
    await t?.stop();
    await t?.stack.stop();
  });

  const n = async (table: string, ws: string) => Number((await t.ch.one<{ n: string }>(`SELECT count() AS n FROM ${table} WHERE workspace_id = {ws:String}`, { ws })).n);

  it('a veto leaves status and data as they were; a before failure after the restore is consistent and retry finishes it', async () => {
    const ws = (await t.workspaces.createWorkspace({ name: `veto-${randomUUID()}` })).id;
    await t.events.insertUserEvents(ws, [...generateEvents({ count: EVENTS, months: 6, end: new Date(Date.UTC(2026, 0, 1)), seed: 5, idPrefix: ws.slice(0, 8) })]);
    const original = await snapshotWorkspace(t.ch, ws);
    await t.workspaces.pauseWorkspace(ws);
    await waitForMutations(t.ch, ws);
    expect({ hot: await n('user_events_v2', ws), cold: await n(COLD_TABLE, ws) }).toEqual({ hot: 0, cold: EVENTS });

    // 1. Veto in check: nothing restored, nothing freed, still Paused; the error says nothing changed.
    policy.veto = true;
    const veto = await t.workspaces.resumeWorkspace(ws).catch((e: unknown) => e);
    expect(veto).toBeInstanceOf(TransitionVetoedError);
    expect((veto as Error).message).toMatch(/Nothing was changed; the workspace is still Paused/);
    expect((await t.workspaces.getWorkspace(ws)).status).toBe('Paused');
    expect({ hot: await n('user_events_v2', ws), cold: await n(COLD_TABLE, ws) }).toEqual({ hot: 0, cold: EVENTS });
    expect(policy.beforeRuns).toBe(0);

    // 2. A failure in before:resume after cold storage restored: the error says the restore was done.
    policy.veto = false;
    policy.failBefore = true;
    const failed = await t.workspaces.resumeWorkspace(ws).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(HookFailedError);
    expect(failed).toMatchObject({ statusChanged: false, plugin: 'policy', completed: [{ plugin: COLD_STORAGE_PLUGIN, name: 'restore', point: 'before:resume' }] });
    expect((failed as Error).message).toMatch(/Already done: cold-storage\/restore \(before:resume\)\. The status was not committed: the workspace is still Paused/);
    expect((await t.workspaces.getWorkspace(ws)).status).toBe('Paused');
    expect(await snapshotWorkspace(t.ch, ws)).toEqual(original); // every event hot, once

    // 3. Retry runs only the policy's handler, commits, and the workspace is Active with its events.
    policy.failBefore = false;
    const beforeRuns = policy.beforeRuns;
    expect(await t.workspaces.retryTransition(ws)).toMatchObject({ retried: true, result: { to: 'Active', attempt: 2 } });
    expect(policy.beforeRuns).toBe(beforeRuns + 1);
    expect((await t.workspaces.getWorkspace(ws)).status).toBe('Active');
    expect(await snapshotWorkspace(t.ch, ws)).toEqual(original);
    expect(await n(COLD_TABLE, ws)).toBe(0);
  });
});
