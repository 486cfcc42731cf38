import { randomUUID } from 'node:crypto';
import { ConflictError, InvalidInputError, NotFoundError } from '@permafrost/core';
import { startTestApp, type TestApp } from '../testing';

// Integration: embedded ClickHouse (chDB) tables user_events_v2, internal_events and its materialized view.
describe('insertUserEvents', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.stop());
  const newWorkspace = async () => (await t.workspaces.createWorkspace({ name: `ws-${randomUUID()}` })).id;

  it('stores events with their materialized columns, and the view fills internal_events', async () => {
    const ws = await newWorkspace();
    const track = { type: 'track', event: 'Order Completed', userId: 'u1', timestamp: '2025-03-04T05:06:07.089Z', properties: { total: 42, note: 'ü "q"' }, context: { hidden: true } };
    const identify = { type: 'identify', anonymousId: 'a1', timestamp: '2025-03-05T00:00:00Z', traits: { plan: 'pro' } };
    const internal = { type: 'track', event: 'DFEmailMessageSent', userId: 'u1', timestamp: '2025-03-06T00:00:00Z', properties: { templateId: 'tpl-1', journeyId: 'j-1', variant: { type: 'Email', to: 'a@b.c', from: 'x@y.z' } } };
    const raw = JSON.stringify(track);
    const result = await t.events.insertUserEvents(ws, [
      { message: raw, messageId: 'm1', processingTime: '2025-03-04T05:06:08.000Z' },
      { message: identify, messageId: 'm2', processingTime: '2025-03-05T00:00:01.000Z' },
      { message: internal, messageId: 'm3', processingTime: '2025-03-06T00:00:01.000Z' },
    ]);
    expect(result).toEqual({ inserted: 3, duplicates: 0 });

    const rows = await t.ch.rows<Record<string, unknown>>(
      `SELECT message_id, event_type, event, user_id, anonymous_id, user_or_anonymous_id, properties, hidden,
              toString(event_time) AS event_time, toString(processing_time) AS processing_time, message_raw
       FROM user_events_v2 WHERE workspace_id = {ws:String} ORDER BY message_id`, { ws });
    expect(rows[0]).toMatchObject({
      message_id: 'm1', event_type: 'track', event: 'Order Completed', user_id: 'u1', anonymous_id: '', user_or_anonymous_id: 'u1',
      hidden: true, event_time: '2025-03-04 05:06:07.089', processing_time: '2025-03-04 05:06:08.000', message_raw: raw,
    });
    expect(JSON.parse(rows[0]!.properties as string)).toEqual(track.properties);
    expect(rows[1]).toMatchObject({ message_id: 'm2', event_type: 'identify', event: '', user_id: '', anonymous_id: 'a1', user_or_anonymous_id: 'a1', hidden: false });
    expect(JSON.parse(rows[1]!.properties as string)).toEqual({ plan: 'pro' });

    const internalRows = await t.ch.rows<Record<string, string>>(
      `SELECT message_id, event, template_id, journey_id, channel_type, delivery_to FROM internal_events WHERE workspace_id = {ws:String}`, { ws });
    expect(internalRows).toEqual([{ message_id: 'm3', event: 'DFEmailMessageSent', template_id: 'tpl-1', journey_id: 'j-1', channel_type: 'Email', delivery_to: 'a@b.c' }]);
  });

  it('refuses events for a tombstoned workspace', async () => {
    const ws = await newWorkspace();
    await t.workspaces.tombstoneWorkspace(ws);
    await expect(t.events.insertUserEvents(ws, [{ message: { type: 'track', event: 'E' } }])).rejects.toBeInstanceOf(ConflictError);
  });

  it('deduplicates message ids within a batch', async () => {
    const ws = await newWorkspace();
    const message = { type: 'track', event: 'E', userId: 'u' };
    const result = await t.events.insertUserEvents(ws, [{ message, messageId: 'same' }, { message, messageId: 'same' }, { message, messageId: 'other' }]);
    expect(result).toEqual({ inserted: 2, duplicates: 1 });
    const [row] = await t.ch.rows<{ n: string }>(`SELECT count() AS n FROM user_events_v2 WHERE workspace_id = {ws:String}`, { ws });
    expect(Number(row!.n)).toBe(2);
  });

  it('rejects a batch with invalid JSON with a typed error and writes nothing', async () => {
    const ws = await newWorkspace();
    const err = await t.events.insertUserEvents(ws, [{ message: '{"type":"track"}' }, { message: '{not json' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toMatch(/events\[1\]\.message is not valid JSON/);
    for (const bad of [[{ message: '[1,2]' }], [{ message: 42 }], [{ message: {}, processingTime: 'yesterday' }]]) {
      await expect(t.events.insertUserEvents(ws, bad as never)).rejects.toBeInstanceOf(InvalidInputError);
    }
    await expect(t.events.insertUserEvents('not-a-uuid', [])).rejects.toBeInstanceOf(NotFoundError);
    await expect(t.events.insertUserEvents(randomUUID(), [{ message: {} }])).rejects.toBeInstanceOf(NotFoundError);
    await expect(t.events.insertUserEvents(ws.toUpperCase(), [{ message: {} }])).rejects.toBeInstanceOf(NotFoundError);
    const [row] = await t.ch.rows<{ n: string }>(`SELECT count() AS n FROM user_events_v2 WHERE workspace_id = {ws:String}`, { ws });
    expect(Number(row!.n)).toBe(0);
  });
});
