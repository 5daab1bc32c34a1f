import fp from "fastify-plugin";
import type { Pool, PoolClient } from "pg";
import { isDatabaseUnavailable } from "../db";

/**
 * The database as the routes see it: the pool, and a transaction helper. Wrapped with fastify-plugin
 * so the decorator is visible to every route plugin. https://github.com/fastify/fastify-plugin
 */

export interface AppDb {
  pool: Pool;
  /** runs fn in BEGIN/COMMIT on one connection; ROLLBACK when it throws */
  transaction<T>(fn: (c: PoolClient) => Promise<T>): Promise<T>;
}

declare module "fastify" {
  interface FastifyInstance {
    db: AppDb;
  }
}

export interface DbPluginOptions {
  pool: Pool;
  /**
   * Use named (server-side prepared) statements; default true. Off for the embedded PostgreSQL,
   * where every pool connection shares PGlite's single session and names would collide.
   */
  namedStatements?: boolean;
}

/** Thrown inside `transaction` to roll back and hand a value (the answer) to the caller. */
export class Rollback<T> extends Error {
  constructor(readonly value: T) {
    super("rollback");
  }
}

/** A view of the pool whose queries drop their statement names (see DbPluginOptions.namedStatements). */
export function unnamedStatements(pool: Pool): Pool {
  const strip = (args: unknown[]): unknown[] => {
    const [first, ...rest] = args;
    if (first && typeof first === "object" && "name" in first) {
      const { name: _name, ...unnamed } = first as { name: string };
      return [unnamed, ...rest];
    }
    return args;
  };
  const wrapClient = (c: PoolClient): PoolClient =>
    new Proxy(c, {
      get(target, prop, receiver) {
        if (prop === "query") return (...args: unknown[]) => (target.query as (...a: unknown[]) => unknown)(...strip(args));
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
  return new Proxy(pool, {
    get(target, prop, receiver) {
      if (prop === "query") return (...args: unknown[]) => (target.query as (...a: unknown[]) => unknown)(...strip(args));
      if (prop === "connect") return async () => wrapClient(await target.connect());
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** The routes' view of a pool (also what the tests and workers outside fastify use). */
export function appDb(pool: Pool): AppDb {
  return { pool, transaction: (fn) => inTransaction(pool, fn) };
}

/**
 * A checked-out client whose connection dies (server restart, pg_terminate_backend) emits 'error',
 * which would crash the process without a listener; the failing query rejects anyway, so the
 * listener only keeps the event from being unhandled, and the client is discarded, not pooled again.
 * https://node-postgres.com/apis/pool#releasing-clients
 */
const ignoreClientError = (): void => undefined;

/**
 * BEGIN, fn, COMMIT on one connection. On an error the connection goes back to the pool only when it is
 * known to be sane: after a timeout or a connection error its state is unknown (a query the client gave
 * up on may still run, and its answer would reach the next user of the connection), so it is released
 * with the error, which makes the pool destroy it; the server rolls the transaction back when the
 * connection closes. A ROLLBACK is not even tried then: on an unresponsive server it would wait another
 * query timeout. https://node-postgres.com/apis/pool#releasing-clients
 */
async function inTransaction<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  client.on("error", ignoreClientError);
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    client.release();
    return result;
  } catch (err) {
    if (isDatabaseUnavailable(err)) {
      client.release(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
    try {
      await client.query("ROLLBACK");
      client.release();
    } catch (rollbackErr) {
      client.release(rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr)));
    }
    throw err;
  } finally {
    client.off("error", ignoreClientError);
  }
}

export default fp<DbPluginOptions>(
  async (app, opts) => {
    const pool = opts.namedStatements === false ? unnamedStatements(opts.pool) : opts.pool;
    app.decorate("db", appDb(pool));
  },
  { name: "renfort-db" },
);
