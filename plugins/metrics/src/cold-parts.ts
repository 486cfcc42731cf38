import { Gauge, type Registry } from 'prom-client';
import { ClickHouse, tablePartLimits } from '@permafrost/backend-lib';
import type { Logger, PluginContext } from '@permafrost/core/plugin';

/** What the cold-parts gauge reads, set while the plugin is booted. */
export interface ColdPartsSource {
  container: PluginContext['container'];
  logger: Logger;
}

export interface ColdPartsOptions {
  /** The storage policy whose tables count as cold (default `cold_storage`, the one clickhouse-config defines). */
  policy?: string;
  /** A scrape waits this long for the count, then goes on without the gauge (default 5 s). */
  timeoutMs?: number;
}

/**
 * Active parts of every table on the cold storage policy, per table, counted from part metadata at scrape
 * time: no data is read and nothing is cached. Parts are what cold storage costs the engine (each is ~13 S3
 * objects, and a start reads every part's metadata: ~10k cold parts took a start from 1.6 s to 84 s).
 * Tables are found by policy, not by name, so every strategy's tables (staging included) count.
 */
export function coldPartsGauge(registry: Registry, source: () => ColdPartsSource | undefined, options: ColdPartsOptions = {}): Gauge<'table'> {
  const policy = options.policy ?? 'cold_storage';
  const timeoutMs = options.timeoutMs ?? 5000;
  return new Gauge({
    name: 'permafrost_cold_parts',
    help: `Active parts of the tables on the ${policy} storage policy, by table (read from system.parts at scrape time)`,
    labelNames: ['table'] as const,
    registers: [registry],
    async collect() {
      this.reset(); // a table dropped since the last scrape, or a failed count, leaves no stale value
      const s = source();
      if (!s || !s.container.isRegistered(ClickHouse, true)) return; // not booted, or no data layer: nothing to count
      try {
        const rows = await withTimeout(countParts(s.container.resolve(ClickHouse), policy), timeoutMs);
        for (const r of rows) this.set({ table: r.table }, Number(r.parts));
      } catch (err) {
        s.logger.warn('cold parts gauge: counting failed; this scrape goes without it', { error: (err as Error).message });
      }
    },
  });
}

/**
 * The part wall of the same tables: each one's effective `max_parts_in_total` (its own SETTINGS, else the
 * engine's default). At it the engine refuses every insert into the table; cold storage refuses archives at
 * 90 % of it (COLD_PARTS_LIMIT). Alert on `permafrost_cold_parts / permafrost_cold_parts_allowed`.
 */
export function coldPartsAllowedGauge(registry: Registry, source: () => ColdPartsSource | undefined, options: ColdPartsOptions = {}): Gauge<'table'> {
  const policy = options.policy ?? 'cold_storage';
  const timeoutMs = options.timeoutMs ?? 5000;
  return new Gauge({
    name: 'permafrost_cold_parts_allowed',
    help: `max_parts_in_total of each table on the ${policy} storage policy (its own setting, else the engine default): where the engine refuses every insert`,
    labelNames: ['table'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const s = source();
      if (!s || !s.container.isRegistered(ClickHouse, true)) return;
      try {
        const rows = await withTimeout(partLimits(s.container.resolve(ClickHouse), policy), timeoutMs);
        for (const r of rows) this.set({ table: r.table }, r.allowed);
      } catch (err) {
        s.logger.warn('cold parts allowed gauge: reading the limits failed; this scrape goes without it', { error: (err as Error).message });
      }
    },
  });
}

async function partLimits(ch: ClickHouse, policy: string): Promise<Array<{ table: string; allowed: number }>> {
  return (await tablePartLimits(ch, { policy })).map((t) => ({ table: t.table, allowed: t.maxPartsInTotal }));
}

function countParts(ch: ClickHouse, policy: string) {
  // Tables with no part yet are listed too (0), so the series exists before the first archive.
  return ch.rows<{ table: string; parts: string }>(
    `SELECT t.name AS table, countIf(p.name != '') AS parts
     FROM system.tables AS t
     LEFT JOIN (SELECT table, name FROM system.parts WHERE database = currentDatabase() AND active) AS p ON p.table = t.name
     WHERE t.database = currentDatabase() AND t.storage_policy = {policy:String}
     GROUP BY t.name`,
    { policy });
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
