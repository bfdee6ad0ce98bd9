/**
 * Makes the scheduler's work observable in PostgreSQL itself. Backstage's
 * scheduler claims a global task by setting `current_run_ticket` on the
 * task's row in `backstage_backend_tasks__tasks` (one UPDATE that only
 * succeeds when no ticket is set) and releases it by clearing the ticket. A
 * trigger installed here records every successful claim and release with the
 * `application_name` of the session that made it, i.e. which replica ran the
 * task and when. Nothing about the scheduler is changed: the trigger only
 * writes to its own table.
 */
import { RunningPostgres } from './postgres';

export const TASKS_TABLE = 'backstage_backend_tasks__tasks';
const EVENTS_TABLE = 'production_checks_task_events';

export interface TaskEvent {
  taskId: string;
  event: 'claim' | 'release';
  /** `application_name` of the replica's connection */
  replica: string;
  ticket: string;
  /** ms since epoch (the server's clock_timestamp()) */
  at: number;
  /** release only: when the scheduler set the next run to start (ms since epoch) */
  nextRunAt?: number;
}

/** Installs the audit trigger in `database` (the table must exist: start a backend first). */
export async function installTaskAudit(
  pg: RunningPostgres,
  database: string,
): Promise<void> {
  await pg.query(
    `CREATE TABLE IF NOT EXISTS ${EVENTS_TABLE} (
       id bigserial PRIMARY KEY,
       task_id text NOT NULL,
       event text NOT NULL,
       replica text NOT NULL,
       ticket text NOT NULL,
       at timestamptz NOT NULL DEFAULT clock_timestamp(),
       next_run_at timestamptz
     )`,
    [],
    database,
  );
  // SECURITY DEFINER: the backends' role needs no grant on the events table.
  await pg.query(
    `CREATE OR REPLACE FUNCTION ${EVENTS_TABLE}_record() RETURNS trigger
     LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
     BEGIN
       IF OLD.current_run_ticket IS NULL AND NEW.current_run_ticket IS NOT NULL THEN
         INSERT INTO ${EVENTS_TABLE} (task_id, event, replica, ticket)
         VALUES (NEW.id, 'claim', current_setting('application_name'), NEW.current_run_ticket);
       ELSIF OLD.current_run_ticket IS NOT NULL AND NEW.current_run_ticket IS NULL THEN
         INSERT INTO ${EVENTS_TABLE} (task_id, event, replica, ticket, next_run_at)
         VALUES (NEW.id, 'release', current_setting('application_name'),
                 OLD.current_run_ticket, NEW.next_run_start_at);
       END IF;
       RETURN NEW;
     END $$`,
    [],
    database,
  );
  await pg.query(
    `DROP TRIGGER IF EXISTS ${EVENTS_TABLE} ON ${TASKS_TABLE}`,
    [],
    database,
  );
  await pg.query(
    `CREATE TRIGGER ${EVENTS_TABLE} AFTER UPDATE ON ${TASKS_TABLE}
     FOR EACH ROW EXECUTE FUNCTION ${EVENTS_TABLE}_record()`,
    [],
    database,
  );
}

/** Claims and releases of `taskId` recorded so far, oldest first. */
export async function taskEvents(
  pg: RunningPostgres,
  database: string,
  taskId: string,
): Promise<TaskEvent[]> {
  const rows = await pg.query<{
    task_id: string;
    event: string;
    replica: string;
    ticket: string;
    at: Date;
    next_run_at: Date | null;
  }>(
    `SELECT task_id, event, replica, ticket, at, next_run_at FROM ${EVENTS_TABLE}
     WHERE task_id = $1 ORDER BY id`,
    [taskId],
    database,
  );
  return rows.map(r => ({
    taskId: r.task_id,
    event: r.event === 'claim' ? 'claim' : 'release',
    replica: r.replica,
    ticket: r.ticket,
    at: r.at.getTime(),
    ...(r.next_run_at ? { nextRunAt: r.next_run_at.getTime() } : {}),
  }));
}

/** The task's row as the scheduler keeps it. */
export async function taskRow(
  pg: RunningPostgres,
  database: string,
  taskId: string,
): Promise<
  | {
      settings: Record<string, unknown>;
      running: boolean;
      nextRunStartAt?: number;
    }
  | undefined
> {
  const [row] = await pg.query<{
    settings_json: string;
    current_run_ticket: string | null;
    next_run_start_at: Date | null;
  }>(
    `SELECT settings_json, current_run_ticket, next_run_start_at FROM ${TASKS_TABLE} WHERE id = $1`,
    [taskId],
    database,
  );
  if (!row) return undefined;
  return {
    settings: JSON.parse(row.settings_json),
    running: row.current_run_ticket !== null,
    nextRunStartAt: row.next_run_start_at?.getTime(),
  };
}
