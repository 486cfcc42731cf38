import { randomUUID } from 'node:crypto';
import { InvalidInputError } from '@permafrost/core';
import { startTestApp, waitForMutations, type TestApp } from './testing';

// Integration: lightweight deletes (mutations) on the embedded ClickHouse.
describe('deleteUsers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.stop());
  const newWorkspace = async () => (await t.workspaces.createWorkspace({ name: `ws-${randomUUID()}` })).id;

  // UInt64 arrives as a number from chDB and as a string from a server: compare numbers.
  const countByUser = async (ws: string) =>
    (await t.ch.rows<{ user: string; events: string; internal: string }>(
      `SELECT user_or_anonymous_id AS user, count() AS events,
              (SELECT count() FROM internal_events WHERE workspace_id = {ws:String} AND user_or_anonymous_id = user) AS internal
       FROM user_events_v2 WHERE workspace_id = {ws:String} GROUP BY user ORDER BY user`, { ws })).map((r) => ({ user: r.user, events: Number(r.events), internal: Number(r.internal) }));

  it('deletes only the named users of the workspace, asynchronously, in both user-keyed tables', async () => {
    const ws = await newWorkspace();
    const other = await newWorkspace();
    const events = (users: string[]) => users.flatMap((u) => [
      { message: { type: 'track', event: 'Viewed', userId: u } },
      { message: { type: 'track', event: 'DFEmailMessageSent', userId: u, properties: { templateId: 't' } } },
    ]);
    await t.events.insertUserEvents(ws, events(['alice', 'bob', 'carol']));
    await t.events.insertUserEvents(other, events(['alice']));

    const started = Date.now();
    const result = await t.events.deleteUsers(ws, ['alice', 'bob', 'alice']);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.statements).toBe(2);
    await waitForMutations(t.ch, ws);

    expect(await countByUser(ws)).toEqual([{ user: 'carol', events: 2, internal: 1 }]);
    expect(await countByUser(other)).toEqual([{ user: 'alice', events: 2, internal: 1 }]);
  });

  it('validates its input and deletes nothing on bad input', async () => {
    const ws = await newWorkspace();
    await t.events.insertUserEvents(ws, [{ message: { type: 'track', event: 'E', userId: 'x' } }]);
    for (const bad of [[''], [1], 'x', null]) {
      await expect(t.events.deleteUsers(ws, bad as never)).rejects.toBeInstanceOf(InvalidInputError);
    }
    // Injection attempts are just user ids that match nothing.
    await t.events.deleteUsers(ws, ["x' OR 1=1 --", 'x\\', '); DROP TABLE user_events_v2; --']);
    await waitForMutations(t.ch, ws);
    expect(await countByUser(ws)).toEqual([{ user: 'x', events: 1, internal: 0 }]);
  });
});
