import type { ClickHouseClient } from '@clickhouse/client';
import { ClickHouse, QueriesStillRunningError } from './clickhouse';
import { nextQueryId, withQueryIdPrefix } from './query-scope';

// Unit: query ids of a scope, and stopQueries against a fake client that answers like a server whose
// earlier statements take a while to stop (the embedded engine never has one running to stop).
describe('query scopes', () => {
  it('numbers the statements of a scope under its prefix and a new attempt part; outside a scope there is no id', async () => {
    expect(nextQueryId()).toBeUndefined();
    const first = await withQueryIdPrefix('permafrost-op-1234-', async () => [nextQueryId(), await Promise.resolve().then(() => nextQueryId())]);
    const second = await withQueryIdPrefix('permafrost-op-1234-', async () => nextQueryId());
    expect(first).toEqual([expect.stringMatching(/^permafrost-op-1234-[0-9a-f]{8}-1$/), expect.stringMatching(/^permafrost-op-1234-[0-9a-f]{8}-2$/)]);
    expect(second!.split('-')[3]).not.toBe(first[0]!.split('-')[3]);
    expect(() => withQueryIdPrefix("x' OR 1 -", async () => undefined)).toThrow(/lowercase letters, digits and dashes/);
  });
});

describe('ClickHouse.stopQueries', () => {
  const fake = (killed: number, stillRunning: number[]) => {
    const statements: Array<{ query: string; params?: Record<string, unknown> }> = [];
    const client = {
      query: async ({ query, query_params }: { query: string; query_params?: Record<string, unknown> }) => {
        statements.push({ query, params: query_params });
        const rows = query.startsWith('KILL') ? Array.from({ length: killed }, (_, i) => ({ query_id: `q${i}` })) : [{ n: String(stillRunning.shift() ?? 0) }];
        return { json: async () => rows };
      },
    } as unknown as ClickHouseClient;
    return { ch: new ClickHouse(client), statements };
  };

  it('kills by prefix (bound) and waits until none runs', async () => {
    const { ch, statements } = fake(2, [2, 1, 0]);
    expect(await ch.stopQueries('permafrost-op-ab-', { pollMs: 1 })).toBe(2);
    expect(statements[0]).toEqual({ query: 'KILL QUERY WHERE startsWith(query_id, {prefix:String}) ASYNC', params: { prefix: 'permafrost-op-ab-' } });
    expect(statements.length).toBe(4);
  });

  it('returns at once when nothing was running', async () => {
    const { ch, statements } = fake(0, []);
    expect(await ch.stopQueries('permafrost-op-ab-')).toBe(0);
    expect(statements.length).toBe(1);
  });

  it('a statement that does not stop in time is a typed error', async () => {
    const { ch } = fake(1, Array(1000).fill(1));
    await expect(ch.stopQueries('permafrost-op-ab-', { timeoutMs: 20, pollMs: 5 })).rejects.toBeInstanceOf(QueriesStillRunningError);
    await expect(ch.stopQueries('permafrost-op-ab-', { timeoutMs: 20, pollMs: 5 })).rejects.toMatchObject({ code: 'QUERIES_STILL_RUNNING' });
  });

  it('inside a scope of the same prefix, its own statements carry no id of the scope (they would count themselves)', async () => {
    const ids: Array<string | undefined> = [];
    const client = { query: async ({ query, query_id }: { query: string; query_id?: string }) => (ids.push(query_id), { json: async () => (query.startsWith('KILL') ? [{ query_id: 'q' }] : [{ n: '0' }]) }) } as unknown as ClickHouseClient;
    const ch = new ClickHouse(client);
    await withQueryIdPrefix('permafrost-op-ab-', async () => {
      await ch.stopQueries('permafrost-op-ab-');
      await ch.rows('SELECT 1');
    });
    expect(ids).toEqual([undefined, undefined, expect.stringMatching(/^permafrost-op-ab-[0-9a-f]{8}-1$/)]);
  });

  it('on a cluster: KILL … ON CLUSTER, and every replica\'s processes', async () => {
    const statements: string[] = [];
    const client = { query: async ({ query }: { query: string }) => (statements.push(query), { json: async () => (query.startsWith('KILL') ? [{ query_id: 'q' }] : [{ n: '0' }]) }) } as unknown as ClickHouseClient;
    await new ClickHouse(client, { name: 'main' }).stopQueries('permafrost-op-ab-');
    expect(statements).toEqual([
      "KILL QUERY ON CLUSTER main WHERE startsWith(query_id, 'permafrost-op-ab-') ASYNC",
      'SELECT count() AS n FROM clusterAllReplicas({cluster:String}, system.processes) WHERE startsWith(query_id, {prefix:String})',
    ]);
  });
});
