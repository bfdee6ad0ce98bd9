/**
 * The part of node-postgres (`pg`, a dependency of this package) the checks
 * use, typed here: the repo has no @types/pg.
 */

export interface PgConnectionConfig {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export interface PgClient {
  connect(): Promise<void>;
  query(
    sql: string,
    params?: unknown[],
  ): Promise<{ rows: Record<string, unknown>[] }>;
  escapeIdentifier(name: string): string;
  escapeLiteral(value: string): string;
  end(): Promise<void>;
}

interface PgModule {
  Client: new (config: PgConnectionConfig) => PgClient;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const pg = require('pg') as PgModule;

/** A new, unconnected client. */
export function pgClient(config: PgConnectionConfig): PgClient {
  return new pg.Client(config);
}
