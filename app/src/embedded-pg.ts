
/**
 * An embedded PostgreSQL for development and tests without a server: PGlite (PostgreSQL compiled
 * to wasm) behind pglite-socket, which speaks the wire protocol on a local TCP port, so the app
 * uses the very same `pg` code path as in production. PGlite runs one query at a time; the socket
 * server multiplexes connections and keeps a transaction's statements together.
 * https://pglite.dev/docs/pglite-socket
 */
export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(opts: { dataDir?: string; port?: number } = {}): Promise<EmbeddedPostgres> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  const db = await PGlite.create(opts.dataDir ? { dataDir: opts.dataDir } : {});
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: opts.port ?? 0, maxConnections: 100 });
  await server.start();
  const conn = server.getServerConn();
  const port = Number(conn.split(":").pop());
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
