import type { QueryResult } from 'pg';
import { ownValue } from '../../common/own';

const MAX_CELL_CHARS = 500;

function cell(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string' && value.length > MAX_CELL_CHARS) {
    return `${value.slice(0, MAX_CELL_CHARS)}… [${value.length - MAX_CELL_CHARS} characters omitted]`;
  }
  return value;
}

/** One line per statement result: the command and row count, then up to `maxRows` rows as JSON lines. */
export function formatSqlResults(results: QueryResult[], maxRows: number, notes: string[] = []): string {
  const parts = results.map((result, index) => {
    const head = `#${index + 1} ${result.command ?? 'statement'}`;
    if (!result.fields?.length) return `${head}: ${result.rowCount ?? 0} rows affected`;
    const columns = result.fields.map((field) => field.name);
    const shown = result.rows
      .slice(0, maxRows)
      .map((row: Record<string, unknown>) =>
        JSON.stringify(Object.fromEntries(columns.map((name) => [name, cell(ownValue(row, name))]))),
      );
    const omitted = result.rows.length - shown.length;
    const lines = [`${head}: ${result.rows.length} rows; columns: ${columns.join(', ')}`, ...shown];
    if (omitted > 0) lines.push(`… ${omitted} more rows omitted (row cap ${maxRows}); narrow the query or page it`);
    return lines.join('\n');
  });
  return [...notes, ...parts].join('\n\n');
}
