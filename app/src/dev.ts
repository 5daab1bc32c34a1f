import { installSignals, serve } from "./main";

/**
 * `npm run app` / `npm run dev`: the service on http://127.0.0.1:3000 with migrations applied, on an
 * embedded PostgreSQL unless DATABASE_URL is set.
 */
const env = { PORT: "3000", HOST: "127.0.0.1", LOG_LEVEL: "warn", ...process.env };
serve(env, { migrate: true }).then(
  (running) => {
    installSignals(running);
    process.stdout.write(`Renfort is running at ${running.url} (Ctrl-C to stop)\n`);
  },
  (err: Error) => {
    process.stderr.write(`renfort: ${err.message}\n`);
    process.exit(2);
  },
);
