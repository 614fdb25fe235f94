import { parse } from 'pgsql-ast-parser';
import type { ToolClass } from '../../common/agent-spec';

export interface SqlClassification {
  class: ToolClass;
  /** Why, for the model and approvers: each statement's kind, or what could not be parsed. */
  reason: string;
}

const RANK: Record<ToolClass, number> = { read: 0, write: 1, destructive: 2 };
const worst = (a: ToolClass, b: ToolClass): ToolClass => (RANK[a] >= RANK[b] ? a : b);

const READ_STATEMENTS = new Set(['select', 'union', 'union all', 'values', 'show', 'with', 'with recursive']);
const WRITE_STATEMENTS = new Set(['insert', 'update']);

/**
 * The worst data change anywhere in a statement's tree: a data-modifying CTE (`WITH d AS (DELETE ...) SELECT`) counts,
 * while `FOR UPDATE` (a row lock, under the `for` key) does not.
 */
function nestedClass(node: unknown): ToolClass {
  if (Array.isArray(node)) return node.map(nestedClass).reduce(worst, 'read');
  if (!node || typeof node !== 'object') return 'read';
  let found: ToolClass = 'read';
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (key === 'for') continue;
    if (key === 'type' && value === 'delete') return 'destructive';
    if (key === 'type' && typeof value === 'string' && WRITE_STATEMENTS.has(value)) found = worst(found, 'write');
    found = worst(found, nestedClass(value));
  }
  return found;
}

function statementClass(statement: { type: string }): ToolClass {
  if (READ_STATEMENTS.has(statement.type)) return nestedClass(statement);
  if (WRITE_STATEMENTS.has(statement.type)) return worst('write', nestedClass(statement));
  // DELETE, TRUNCATE, DROP, ALTER, CREATE, SET, transaction control...: anything else may lose data or escape limits.
  return 'destructive';
}

/** Leading comments and whitespace, which the keyword checks below must look past. */
function withoutLeadingComments(sql: string): string {
  let rest = sql;
  for (;;) {
    const next = rest
      .replace(/^\s+/, '')
      .replace(/^--[^\n]*(\n|$)/, '')
      .replace(/^\/\*[\s\S]*?\*\//, '');
    if (next === rest) return rest;
    rest = next;
  }
}

/** One statement, optionally ending in `;`, with no other `;` (which could start a statement we did not read). */
function single(sql: string): string | undefined {
  const body = withoutLeadingComments(sql).replace(/;\s*$/, '');
  return body.includes(';') ? undefined : body;
}

/**
 * The parser lacks EXPLAIN and MERGE. EXPLAIN without ANALYZE only plans, so it reads whatever its statement is; with
 * ANALYZE it runs the statement and takes its class. MERGE writes, or deletes when it has a DELETE action.
 */
function fallback(sql: string): SqlClassification | undefined {
  const statement = single(sql);
  if (statement === undefined) return undefined;
  const explain = /^explain\s+(\(([^)]*)\)\s*)?((analy[sz]e|verbose)\s+)*/i.exec(statement);
  if (explain?.[0]) {
    const inner = statement.slice(explain[0].length);
    const analyze = /\banaly[sz]e\b/i.test(explain[0]);
    const of = classifySql(inner);
    if (of.reason.startsWith('unparseable')) return undefined;
    return analyze
      ? { class: of.class, reason: `EXPLAIN ANALYZE runs ${of.reason}` }
      : { class: 'read', reason: 'EXPLAIN' };
  }
  if (/^merge\s/i.test(statement)) {
    return /\bdelete\b/i.test(statement)
      ? { class: 'destructive', reason: 'MERGE with DELETE' }
      : { class: 'write', reason: 'MERGE' };
  }
  return undefined;
}

/** Every statement parsed; the input's class is its most dangerous statement's, and unparseable input is destructive. */
export function classifySql(sql: string): SqlClassification {
  let statements: Array<{ type: string }>;
  try {
    statements = parse(sql);
  } catch (error) {
    const known = fallback(sql);
    if (known) return known;
    const first = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
    return { class: 'destructive', reason: `unparseable SQL, treated as destructive (${first})` };
  }
  if (statements.length === 0) return { class: 'destructive', reason: 'no statement found, treated as destructive' };
  const classes = statements.map(statementClass);
  return {
    class: classes.reduce(worst, 'read'),
    reason: statements.map((s, i) => `${s.type.toUpperCase()} (${classes[i] ?? 'destructive'})`).join(', '),
  };
}
