import { coldStorageTables, COLD_INTERNAL_TABLE, COLD_TABLE, EVENTS, INTERNAL, STAGING_INTERNAL_TABLE, STAGING_TABLE } from '@permafrost/plugin-cold-storage';
import { dittofeedProfile, DITTOFEED_CLICKHOUSE_TABLES, PERMAFROST_PROFILE, resolveSchemaProfile, type SchemaProfile } from '../schema-profile';
import { DITTOFEED_INTERNAL_EVENTS_COLUMNS, DITTOFEED_STORED_COLUMNS, DITTOFEED_TOMBSTONE_PREFIX, dittofeedClickHouseSchema } from './index';

// Unit (no stack): the profiles as data, checked against the Dittofeed fixtures' facts.
describe('schema profiles', () => {
  const df = resolveSchemaProfile('dittofeed');

  it('the dittofeed profile names Dittofeed\'s tables and columns, and knows every ClickHouse name Dittofeed uses', () => {
    expect(df.postgres.workspace).toMatchObject({ schema: 'public', table: 'Workspace', timestamps: 'utc-timestamp', uniqueness: 'per-parent', kindsWithoutEvents: ['Parent'] });
    expect(df.postgres.workspace.columns).toMatchObject({ externalId: 'externalId', createdAt: 'createdAt', coldStorageState: 'coldStorageState', parentId: 'parentWorkspaceId', kind: 'type' });
    expect(df.clickhouse.internalEvents.columns.map((c) => c.name)).toEqual([...DITTOFEED_INTERNAL_EVENTS_COLUMNS]);
    expect(df.clickhouse.internalEvents.columns.find((c) => c.name === 'hidden')).toEqual({ name: 'hidden', type: 'Bool' });
    expect(df.clickhouse.userEvents.columns.map((c) => c.name).sort()).toEqual([...DITTOFEED_STORED_COLUMNS].sort());
    const fixture = dittofeedClickHouseSchema({ coldStorage: true, fixtureViews: false }).objects.map((o) => o.name);
    expect(DITTOFEED_CLICKHOUSE_TABLES).toEqual(expect.arrayContaining(fixture));
    // Dittofeed has a user_events_cold_storage of its own: ours are named apart.
    const cold = Object.values(df.clickhouse.coldTables).flatMap((t) => [t.cold, t.staging]);
    expect(cold.every((name) => name.startsWith('permafrost_') && !DITTOFEED_CLICKHOUSE_TABLES.includes(name as never))).toBe(true);
  });

  it('tombstone naming: Dittofeed\'s mark without the id (may collide), an empty external id kept, only a leading mark removed', () => {
    const { tombstoned, original } = df.tombstone;
    expect(tombstoned('id', 'acme')).toBe(`${DITTOFEED_TOMBSTONE_PREFIX}-acme`);
    expect(tombstoned('id', '')).toBe('');
    expect(original('id', 'DfTombstoned-acme')).toBe('acme');
    expect(original('id', 'DfTombstoned-DfTombstoned-acme')).toBe('DfTombstoned-acme');
    expect(original('id', 'x-DfTombstoned-acme')).toBe('x-DfTombstoned-acme');
    expect(df.tombstone).toMatchObject({ reservedPrefix: 'DfTombstoned', mayCollide: true });
    expect(PERMAFROST_PROFILE.tombstone.tombstoned('ws-1', 'acme')).toBe('tombstoned:ws-1:acme');
    expect(PERMAFROST_PROFILE.tombstone.mayCollide).toBe(false);
  });

  it('the default profile gives cold storage the names and columns it always had', () => {
    const t = coldStorageTables(PERMAFROST_PROFILE);
    expect({ events: t.coldOf(t.events), internal: t.coldOf(t.internal) }).toEqual({
      events: { cold: COLD_TABLE, staging: STAGING_TABLE }, internal: { cold: COLD_INTERNAL_TABLE, staging: STAGING_INTERNAL_TABLE },
    });
    expect([COLD_TABLE, STAGING_TABLE, COLD_INTERNAL_TABLE, STAGING_INTERNAL_TABLE]).toEqual(
      ['user_events_cold_storage', 'user_events_cold_storage_staging', 'internal_events_cold_storage', 'internal_events_cold_storage_staging']);
    expect(t.events).toEqual(EVENTS);
    expect(EVENTS.structure).toBe('message_id String, workspace_id String, server_time DateTime64(3), message_raw String, processing_time DateTime64(3)');
    expect(t.internal).toEqual(INTERNAL);
    expect(INTERNAL.columns).not.toMatch(/hidden/);
    expect(coldStorageTables(dittofeedProfile()).internal.structure).toMatch(/, hidden Bool$/);
  });

  it('refuses a profile whose names are not plain identifiers, or whose cold table is one the platform owns', () => {
    const bad = (change: (p: SchemaProfile) => SchemaProfile) => () => resolveSchemaProfile(change(dittofeedProfile()));
    expect(bad((p) => ({ ...p, postgres: { ...p.postgres, workspace: { ...p.postgres.workspace, table: 'Workspace"; DROP TABLE x; --' } } }))).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(/postgres\.workspace\.table/) }));
    expect(bad((p) => ({ ...p, clickhouse: { ...p.clickhouse, coldTables: { ...p.clickhouse.coldTables, events: { cold: 'user_events_cold_storage', staging: 's' } } } }))).toThrow(/platform owns/);
    expect(bad((p) => ({ ...p, clickhouse: { ...p.clickhouse, internalEvents: { ...p.clickhouse.internalEvents, columns: [{ name: 'x', type: "String') DROP" }] } } }))).toThrow(/invalid type/);
    expect(() => resolveSchemaProfile('mysql' as never)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
