import { Client, type QueryResult } from 'pg';
import type { z } from 'zod';
import { SQL } from '../../common/builtin-tools';
import { SqlConfigSchema, type SqlConfig } from '../../common/builtin-tool-config';
import { describeZodIssues } from '../../common/zod-issues';
import { envSecretSource, SecretResolver } from '../secrets/secret-resolver';
import { classifySql } from './sql-classify';
import { formatSqlResults } from './sql-format';
import { defineTool, ToolError, type ToolImplementation } from '../../common/tools/define-tool';
import { ErrorType } from '../../common/errors';

type Args = z.output<typeof SQL.schema>;

function parseConfig(config: unknown): SqlConfig {
  if (config === undefined) {
    throw new ToolError(
      'sql is not configured for this agent: its spec needs tools[].config.connection',
      ErrorType.SqlNotConfigured,
    );
  }
  const parsed = SqlConfigSchema.safeParse(config);
  if (!parsed.success)
    throw new ToolError(`sql config: ${describeZodIssues(parsed.error)}`, ErrorType.SqlNotConfigured);
  return parsed.data;
}

/** Server-side errors (syntax, permissions, a read-only violation, a timeout) are for the model; the rest retry. */
function isServerError(error: unknown): error is Error & { code: string } {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string' && !('errno' in error);
}

export function createSqlTool(options: { secrets?: SecretResolver } = {}): ToolImplementation {
  const secrets = options.secrets ?? new SecretResolver([envSecretSource()]);
  return defineTool<Args>({
    ...SQL,
    classify: (args) => classifySql(args.sql).class,
    async execute(args, context) {
      const config = parseConfig(context.config);
      const { class: sqlClass } = classifySql(args.sql);
      const readOnly = sqlClass === 'read';
      const timeoutMs = Math.round(config.statementTimeoutSeconds * 1000);
      const client = new Client({
        connectionString: secrets.resolve(config.connection, context.userId),
        connectionTimeoutMillis: 10_000,
        application_name: `reins ${context.idempotencyKey}`.slice(0, 63),
      });
      const onAbort = () => void client.end().catch(() => undefined);
      context.signal.addEventListener('abort', onAbort);
      try {
        await client.connect();
        // Set here rather than as connection options, which a connection string's own `options` would replace.
        await client.query(`SET statement_timeout = ${timeoutMs}`);
        // Read-only for the session too, so a COMMIT the parser missed cannot leave a writable session behind.
        if (readOnly) await client.query('SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY');
        await client.query(readOnly ? 'BEGIN READ ONLY' : 'BEGIN');
        let results: QueryResult[];
        try {
          const raw = (await client.query(args.sql)) as QueryResult | QueryResult[];
          results = Array.isArray(raw) ? raw : [raw];
          await client.query(readOnly ? 'ROLLBACK' : 'COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
        const notes = context.earlierAttemptStarted
          ? ['note: an earlier attempt of this call was interrupted; it was rolled back unless it had committed.']
          : [];
        return secrets.scrubber().text(formatSqlResults(results, config.maxRows, notes));
      } catch (error) {
        if (context.signal.aborted) throw error;
        if (isServerError(error)) {
          const message = secrets.scrubber().text(error.message);
          const type =
            error.code === '57014'
              ? ErrorType.SqlTimeout
              : error.code === '25006'
                ? ErrorType.SqlReadOnly
                : ErrorType.SqlError;
          const hint = error.code === '57014' ? ` (statement timeout ${config.statementTimeoutSeconds} s)` : '';
          throw new ToolError(`${message}${hint} [SQLSTATE ${error.code}]`, type);
        }
        throw error;
      } finally {
        context.signal.removeEventListener('abort', onAbort);
        await client.end().catch(() => undefined);
      }
    },
  });
}
