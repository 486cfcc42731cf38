import { InvalidInputError } from '@permafrost/core';
import { boundFor, decodeHistoryCursor, decodeStatusCursor, encodeCursor, mergeNewestFirst, type HistoryCursor } from './cursor';
import type { HistoryEntry, HistoryPosition, PositionedEntry } from './types';

// Pure logic: paging a history merged from several sources. Each fake source answers like the SQL does:
// entries with (at, id) strictly before its bound, newest first, at most `limit`.
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const entry = (id: string, at: string): PositionedEntry => ({ entry: { id, startedAt: at } as HistoryEntry, position: { at, id } });
const source = (name: string, entries: PositionedEntry[]) => ({
  name,
  page: (limit: number, before?: HistoryPosition) => entries
    .filter((e) => !before || e.position.at < before.at || (e.position.at === before.at && e.position.id < before.id))
    .sort((a, b) => (b.position.at + b.position.id).localeCompare(a.position.at + a.position.id))
    .slice(0, limit),
});

describe('history cursors', () => {
  it('pages through two sources exactly once, also when entries of both start at the same instant', () => {
    const t = (s: number) => `2026-11-25T10:00:0${s}.000001Z`;
    const sources = [
      source('lifecycle', [entry(uuid(1), t(1)), entry(uuid(2), t(3)), entry(uuid(3), t(3)), entry(uuid(4), t(5))]),
      source('cold-storage', [entry(uuid(11), t(3)), entry(uuid(12), t(3)), entry(uuid(13), t(4)), entry(uuid(14), t(1))]),
    ];
    const everything = mergeNewestFirst(sources.map((s) => ({ name: s.name, entries: s.page(100) })), 100).entries.map((e) => e.id);
    expect(everything).toHaveLength(8);
    for (const limit of [1, 2, 3, 5]) {
      const seen: string[] = [];
      let cursor: HistoryCursor | undefined;
      for (let pages = 0; pages < 20; pages++) {
        const page = mergeNewestFirst(sources.map((s) => ({ name: s.name, entries: s.page(limit + 1, boundFor(s.name, cursor)) })), limit);
        seen.push(...page.entries.map((e) => e.id));
        if (!page.nextCursor) break;
        cursor = decodeHistoryCursor(page.nextCursor);
      }
      expect({ limit, seen }).toEqual({ limit, seen: everything });
    }
  });

  it('refuses a cursor it did not make, typed, before any query', () => {
    for (const bad of ['', 'not-base64!', encodeCursor({ at: 'yesterday', id: uuid(1), source: 'lifecycle' }), encodeCursor({ at: '2026-11-25T10:00:00.000001Z', id: "x' OR 1=1", source: 'lifecycle' }), encodeCursor([1])]) {
      expect(() => decodeHistoryCursor(bad)).toThrow(InvalidInputError);
    }
    expect(() => decodeStatusCursor(encodeCursor({ after: 'DROP TABLE workspace' }))).toThrow(InvalidInputError);
    expect(decodeStatusCursor(encodeCursor({ after: uuid(7) }))).toBe(uuid(7));
  });
});
