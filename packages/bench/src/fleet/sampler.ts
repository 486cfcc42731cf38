import { readFileSync } from 'node:fs';
import { Client } from 'pg';

export interface Peaks {
  /** Client connections to the whole Postgres server, and to the fleet's database. */
  pgConnections: { server: number; database: number };
  /** This process's resident set. */
  rssBytes: number;
}

/**
 * Samples Postgres connections (pg_stat_activity, on a connection of its own, so sampling never waits
 * behind the pools it measures) and this process's RSS, keeping the peaks.
 */
export async function startSampler(postgresUrl: string, intervalMs = 250): Promise<{ peaks: Peaks; stop(): Promise<Peaks> }> {
  const client = new Client({ connectionString: postgresUrl });
  // A connection lost mid-run (Postgres stopped) costs samples, and the run reports its own failure.
  client.on('error', () => undefined);
  await client.connect();
  const peaks: Peaks = { pgConnections: { server: 0, database: 0 }, rssBytes: process.memoryUsage().rss };
  let busy = false;
  const sample = async () => {
    if (busy) return;
    busy = true;
    try {
      const { rows } = await client.query<{ server: number; database: number }>(
        `SELECT count(*)::int AS server, count(*) FILTER (WHERE datname = current_database())::int AS database
           FROM pg_stat_activity WHERE backend_type = 'client backend'`);
      peaks.pgConnections.server = Math.max(peaks.pgConnections.server, rows[0]!.server);
      peaks.pgConnections.database = Math.max(peaks.pgConnections.database, rows[0]!.database);
    } catch {
      // a missed sample only lowers the peak's resolution
    } finally {
      busy = false;
    }
    peaks.rssBytes = Math.max(peaks.rssBytes, process.memoryUsage().rss);
  };
  const timer = setInterval(() => void sample(), intervalMs);
  await sample();
  return {
    peaks,
    stop: async () => {
      clearInterval(timer);
      await sample();
      await client.end().catch(() => undefined);
      return peaks;
    },
  };
}

/** A process's peak resident set (VmHWM), read from /proc while it runs; undefined where there is no /proc. */
export function peakRssOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
