// A table as a plain string grid: what the table builders (report/tables.ts, hosts/tables.ts) hand to the
// exporters, which decide the markup and do the escaping. Its own module so that the report's tables and the
// host tables they include need not import each other.
export interface Table {
  caption: string;
  headers: string[];
  rows: string[][];
  /** Columns holding numbers (right-aligned). */
  numeric?: number[];
  /** Columns of free text that may wrap; every other cell stays on one line (intervals, labels). */
  wrap?: number[];
}
