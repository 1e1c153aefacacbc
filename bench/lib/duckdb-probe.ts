// Child process of bench/analysis.ts: the DuckDB baseline. Reads the same JSONL trace and computes what
// the analysis's ΔT statistics boil down to: per-condition (guest, mode, interval) median and p95 of ok
// ΔTs, and per-batch-size medians (the scaling sweep's points), in one scan (GROUPING SETS).
// Prints one JSON line: wall times and the groups found.
import { DuckDBInstance } from '@duckdb/node-api';

export interface DuckdbTimings {
  open_ms: number;
  query_ms: number;
  total_ms: number;
  threads: number;
  groups: number;
  condition_groups: number;
  rows_ok: number;
  sample: Record<string, unknown>[];
  rss_peak_mb: number;
  version: string;
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: duckdb-probe FILE');
  let peak = 0;
  const mark = () => (peak = Math.max(peak, process.memoryUsage().rss));
  const timer = setInterval(mark, 50);
  const t0 = performance.now();
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const t1 = performance.now();
  // Explicit columns: DuckDB parses only what the query needs (its strength; the analysis validates every
  // field of every record). Other record types have NULL guest and are filtered out by type.
  const sql = `
    WITH boots AS (
      SELECT guest, mode, interval_ms, n, dt_ms
      FROM read_json(${sqlString(file)}, format = 'newline_delimited',
        columns = {type: 'VARCHAR', guest: 'VARCHAR', mode: 'VARCHAR', interval_ms: 'DOUBLE', n: 'INTEGER', status: 'VARCHAR', dt_ms: 'DOUBLE'})
      WHERE type = 'boot' AND status = 'ok'
    )
    SELECT guest, mode, interval_ms, n, count(*) AS boots,
           median(dt_ms) AS median_ms, quantile_cont(dt_ms, 0.95) AS p95_ms
    FROM boots
    GROUP BY GROUPING SETS ((guest, mode, interval_ms), (guest, mode, interval_ms, n))
    ORDER BY guest, mode, interval_ms, n NULLS FIRST`;
  const reader = await conn.runAndReadAll(sql);
  const rows = reader.getRowObjectsJson() as Record<string, unknown>[];
  const t2 = performance.now();
  const threads = (await conn.runAndReadAll("SELECT current_setting('threads') AS t")).getRowObjectsJson()[0]?.t;
  const version = (await conn.runAndReadAll('SELECT version() AS v')).getRowObjectsJson()[0]?.v;
  clearInterval(timer);
  mark();
  const conditions = rows.filter((r) => r.n === null);
  const result: DuckdbTimings = {
    open_ms: Math.round(t1 - t0),
    query_ms: Math.round(t2 - t1),
    total_ms: Math.round(t2 - t0),
    threads: Number(threads),
    groups: rows.length,
    condition_groups: conditions.length,
    rows_ok: conditions.reduce((s, r) => s + Number(r.boots), 0),
    sample: conditions.slice(0, 3),
    rss_peak_mb: Math.round(peak / 1048576),
    version: String(version),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  conn.closeSync();
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
