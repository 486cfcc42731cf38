import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { WORKSPACE_STATE_STORE, type WorkspaceStateStore } from '@permafrost/core/plugin';
import { startTestApp, type TestApp } from '../testing';
import { heldLocks } from './lock-probe';

// Integration: embedded Postgres. The probe must see exactly the lock the state store takes
// (pg_advisory_lock on a bigint key split over classid/objid in pg_locks), from another connection.
describe('heldLocks', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.stop());

  it('sees a workspace lock held by a transition, only that one, and not after it ends', async () => {
    const ds = t.app.resolve(DataSource);
    const store = t.app.resolve<WorkspaceStateStore>(WORKSPACE_STATE_STORE);
    // Many ids: some keys hash to negative bigints, whose high half is the trap this guards.
    const ids = Array.from({ length: 40 }, () => randomUUID());
    for (const id of ids) {
      const seen = await store.withWorkspaceLock(id, () => heldLocks(ds, ids));
      expect(seen).toEqual(new Set([id]));
    }
    expect(await heldLocks(ds, ids)).toEqual(new Set());
    expect(await heldLocks(ds, [])).toEqual(new Set());
  });
});
