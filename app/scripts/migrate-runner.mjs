// Runs node-pg-migrate's runner in a plain Node process: jest's module registry cannot load that
// ESM-only package, so src/migrate.ts delegates here when it runs under jest.
// Input: the runner options as JSON in argv[2]. Output: {"ran": [names]} or {"error": "..."}.
import { runner } from "node-pg-migrate";

const options = JSON.parse(process.argv[2]);
try {
  const ran = await runner({ ...options, log: () => undefined });
  process.stdout.write(JSON.stringify({ ran: ran.map((m) => m.name) }) + "\n");
} catch (err) {
  process.stdout.write(JSON.stringify({ error: err instanceof Error ? err.message : String(err) }) + "\n");
  process.exitCode = 1;
}
