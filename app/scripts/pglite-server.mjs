// Runs an embedded PostgreSQL (PGlite) on a local TCP port and prints {"url": "..."} on stdout once
// it listens. Used by development and tests when DATABASE_URL is unset; a separate process keeps
// the wasm engine's CPU off the app's event loop and works under jest, whose module registry
// cannot load PGlite's dynamic imports.
//
// PGlite has one session. pglite-socket's handler speaks the wire protocol per connection; the queue
// below decides whose messages reach the session: a connection owns it from its first message up to
// the end of its unit of work (Sync or simple Query) and, inside a transaction, until the
// transaction ends. Extended-protocol messages of two connections therefore never interleave (the
// stock multiplexer can interleave Parse/Bind of concurrent pipelines, which breaks them).
// https://pglite.dev/docs/pglite-socket
import { createServer } from "node:net";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketHandler } from "@electric-sql/pglite-socket";

class SessionQueue {
  constructor(db) {
    this.db = db;
    this.queue = [];
    this.owner = null;
    this.running = false;
  }
  enqueue(handlerId, message, onData) {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.pump();
    });
  }
  async pump() {
    if (this.running) return;
    this.running = true;
    try {
      for (;;) {
        const i = this.owner === null ? (this.queue.length > 0 ? 0 : -1) : this.queue.findIndex((q) => q.handlerId === this.owner);
        if (i < 0) break;
        const item = this.queue.splice(i, 1)[0];
        this.owner = item.handlerId;
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(item.message, {
              onRawData: (d) => {
                bytes += d.length;
                item.onData(d);
              },
            }),
          );
          item.resolve(bytes);
        } catch (err) {
          item.reject(err);
        }
        const type = item.message[0];
        // 0 = startup packet (its first byte is the high byte of a small length), S = Sync, Q = Query, X = Terminate
        const endsUnit = type === 0 || type === 0x53 || type === 0x51 || type === 0x58;
        if (endsUnit && !this.db.isInTransaction()) this.owner = null;
      }
    } finally {
      this.running = false;
    }
  }
  getQueueLength() {
    return this.queue.length;
  }
  clearQueueForHandler(handlerId) {
    this.queue = this.queue.filter((q) => {
      if (q.handlerId !== handlerId) return true;
      q.reject(new Error("Handler disconnected"));
      return false;
    });
  }
  async clearTransactionIfNeeded(handlerId) {
    if (this.owner !== handlerId) return;
    if (this.db.isInTransaction()) await this.db.exec("ROLLBACK").catch(() => undefined);
    this.owner = null;
    void this.pump();
  }
}

const dataDir = process.env.PGLITE_DATA_DIR || undefined;
const db = await PGlite.create(dataDir ? { dataDir } : {});
const queue = new SessionQueue(db);
const sockets = new Set();
const server = createServer((socket) => {
  sockets.add(socket);
  socket.once("close", () => sockets.delete(socket));
  const handler = new PGLiteSocketHandler({ queryQueue: queue, closeOnDetach: true });
  handler.attach(socket).catch(() => socket.destroy());
});
await new Promise((resolve) => server.listen(Number(process.env.PGLITE_PORT || 0), "127.0.0.1", resolve));
const port = server.address().port;
process.stdout.write(JSON.stringify({ url: `postgres://postgres@127.0.0.1:${port}/postgres` }) + "\n");

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  server.close();
  for (const s of sockets) s.destroy();
  await db.close().catch(() => undefined);
  process.exit(0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
// The parent is gone (test runner crashed): do not linger.
process.stdin.on("end", stop);
process.stdin.resume();
