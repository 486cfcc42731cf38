import { startTestStack, type TestStack } from '@permafrost/dev-stack/testing';
import { ClickHouse, withSettings } from './clickhouse';

describe('withSettings', () => {
  it('appends a SETTINGS clause, quoting strings and refusing odd names', () => {
    expect(withSettings('SELECT 1', {})).toBe('SELECT 1');
    expect(withSettings('SELECT 1;', { max_threads: 2, mutations_sync: '0', date_time_input_format: 'best_effort' }))
      .toBe("SELECT 1\nSETTINGS max_threads = 2, mutations_sync = 0, date_time_input_format = 'best_effort'");
    expect(withSettings('SELECT 1', { x: "it's" } as never)).toBe("SELECT 1\nSETTINGS x = 'it\\'s'");
    expect(() => withSettings('SELECT 1', { 'x; DROP TABLE t': 1 } as never)).toThrow(/invalid ClickHouse setting name/);
  });
});

// Integration: embedded ClickHouse (chDB) through @clickhouse/client.
describe('ClickHouse settings stay with their statement', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => stack?.stop());

  it('a setting given to one statement does not leak into the next', async () => {
    const ch = new ClickHouse(stack.clickhouse);
    const limit = async () => Number((await ch.one<{ v: string }>(`SELECT getSetting('max_rows_to_read') AS v`)).v);
    const before = await limit();
    await expect(ch.rows('SELECT number FROM numbers(100)', {}, { max_rows_to_read: '1', read_overflow_mode: 'throw' })).rejects.toThrow(/max_rows_to_read/);
    await ch.command('SELECT 1', {}, { max_rows_to_read: '5' });
    expect(await limit()).toBe(before);
    expect((await ch.rows('SELECT number FROM numbers(100)')).length).toBe(100);
  });
});
