// The reference for `npm run bench`: a bare node:http + pg handler running the same statement as the
// app's signup of a new address (the SQL arrives in SIGNUP_SQL: volunteer, confirmation token's hash,
// mail), with the same token work and pool size. No framework, no validation beyond JSON.parse, no
// logging: the ceiling the app is compared with.
"use strict";
const { createHash, randomBytes } = require("node:crypto");
const http = require("node:http");
const { Pool } = require("pg");

// the app's schema, as a startup parameter (no round trip; the bench runs on a real server only)
const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.PG_POOL_SIZE || 20),
  options: `-c search_path=${process.env.DATABASE_SCHEMA || "renfort"}`,
});
const sql = process.env.SIGNUP_SQL;

const server = http.createServer((req, res) => {
  if (req.method !== "POST" || req.url !== "/api/volunteers") {
    res.writeHead(404).end();
    return;
  }
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    let b;
    try {
      b = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      res.writeHead(400, { "content-type": "application/json" }).end('{"error":"validation_failed"}');
      return;
    }
    const token = randomBytes(32).toString("base64url");
    const tokenHash = createHash("sha256").update(token, "utf8").digest();
    pool
      .query({
        name: "signup",
        text: sql,
        values: [b.email, b.firstName, b.lastName, b.zip, b.phone ?? null, b.birthdate ?? null, tokenHash, "volunteer_confirmation", { firstName: b.firstName, token }],
      })
      .then((r) => {
        // the bench's addresses are all new; the app's answer to a known one (the same 202) is not modelled
        if (r.rowCount === 0) res.writeHead(409, { "content-type": "application/json" }).end('{"error":"email_taken"}');
        else res.writeHead(202, { "content-type": "application/json" }).end('{"status":"pending_confirmation"}');
      })
      .catch(() => res.writeHead(503, { "content-type": "application/json" }).end('{"error":"unavailable"}'));
  });
});
server.keepAliveTimeout = 65000;
server.listen(Number(process.env.PORT || 0), "127.0.0.1", () => {
  process.stdout.write(`Server listening at http://127.0.0.1:${server.address().port}\n`);
});
process.on("SIGTERM", () => server.close(() => pool.end().then(() => process.exit(0))));
