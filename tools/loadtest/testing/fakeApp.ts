/**
 * A local stand-in for the app's HTTP contract (issue 7) on node:http, for the campaign's own tests:
 * signups with unique emails (409 on a repeat), missions with limited places, pages, and knobs that
 * make it slow in known ways, so a test can predict the step at which a campaign must fail.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";

export interface FakeAppOptions {
  /** Missions listed by GET /api/missions, with their places. */
  missions?: Array<{ id: number; places: number }>;
  /**
   * Serve requests one at a time at this rate (a single FIFO server, deterministic service time
   * 1000/rate ms): below the rate answers are fast, above it a queue builds and latency grows without
   * bound, like an origin whose CPU is saturated.
   */
  serviceRatePerSecond?: number;
  /** Hold every answer this long (a uniformly slow server with unlimited concurrency). */
  fixedDelayMs?: number;
  /** Answer 409 email_taken to every n-th signup (a broken uniqueness check, or reused emails). */
  conflictEvery?: number;
  /** Hold every answer due in [from, to) ms after the first request until `to` (a stop-the-world pause). */
  freeze?: { fromMs: number; toMs: number };
}

export interface FakeApp {
  url: string;
  /** performance.now() at each request's arrival. */
  arrivals: number[];
  signups: Map<string, Record<string, unknown>>;
  applications: Array<{ missionId: string; email: string }>;
  /** Volunteers whose signup was activated (`activate`, what following the mailed link does). */
  active: Set<string>;
  activate(emails: string[]): Promise<void>;
  rejectedSignups: number;
  /** CF-Connecting-IP values seen, with their request counts. */
  visitors: Map<string, number>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export async function startFakeApp(opts: FakeAppOptions = {}): Promise<FakeApp> {
  const missions = new Map((opts.missions ?? []).map((m) => [String(m.id), { places: m.places, taken: 0 }]));
  const state: Omit<FakeApp, "url" | "close"> = {
    arrivals: [],
    signups: new Map(),
    applications: [],
    rejectedSignups: 0,
    visitors: new Map(),
    active: new Set(),
    activate: async (emails) => {
      for (const e of emails) if (state.signups.has(e.toLowerCase())) state.active.add(e.toLowerCase());
    },
  };
  let signupCount = 0;
  let nextFree = 0;
  let firstArrival: number | null = null;

  const send = (res: ServerResponse, status: number, payload: unknown, arrivedAt: number): void => {
    const text = typeof payload === "string" ? payload : JSON.stringify(payload);
    let delay = opts.fixedDelayMs ?? 0;
    if (opts.serviceRatePerSecond !== undefined) {
      const start = Math.max(arrivedAt, nextFree);
      nextFree = start + 1000 / opts.serviceRatePerSecond;
      delay = nextFree - performance.now();
    }
    if (opts.freeze !== undefined && firstArrival !== null) {
      const since = performance.now() + Math.max(0, delay) - firstArrival;
      if (since >= opts.freeze.fromMs && since < opts.freeze.toMs) delay = Math.max(delay, opts.freeze.toMs - (performance.now() - firstArrival));
    }
    const write = (): void => {
      res.writeHead(status, { "content-type": typeof payload === "string" ? "text/html" : "application/json" });
      res.end(text);
    };
    if (delay > 0) setTimeout(write, delay).unref();
    else write();
  };

  const server: Server = createServer((req, res) => {
    const arrivedAt = performance.now();
    firstArrival ??= arrivedAt;
    state.arrivals.push(arrivedAt);
    const visitor = req.headers["cf-connecting-ip"];
    if (typeof visitor === "string") state.visitors.set(visitor, (state.visitors.get(visitor) ?? 0) + 1);
    void (async () => {
      const url = req.url ?? "/";
      const body = await readBody(req);
      if (req.method === "GET" && url === "/healthz") return send(res, 200, { status: "ok" }, arrivedAt);
      if (req.method === "GET" && (url === "/" || url === "/missions")) return send(res, 200, "<!doctype html><p>ok</p>", arrivedAt);
      if (req.method === "GET" && url === "/api/missions") {
        return send(res, 200, { missions: [...missions.keys()].map((id) => ({ id: Number(id) })) }, arrivedAt);
      }
      if (req.method === "POST" && url === "/api/volunteers") {
        const v = JSON.parse(body) as Record<string, unknown>;
        const email = String(v.email ?? "").toLowerCase();
        if (!email.includes("@") || typeof v.firstName !== "string" || typeof v.lastName !== "string" || !/^\d{5}$/.test(String(v.zip))) {
          return send(res, 400, { error: "validation_failed" }, arrivedAt);
        }
        signupCount++;
        if (state.signups.has(email) || (opts.conflictEvery !== undefined && signupCount % opts.conflictEvery === 0)) {
          state.rejectedSignups++;
          return send(res, 409, { error: "email_taken" }, arrivedAt);
        }
        state.signups.set(email, v);
        return send(res, 202, { status: "pending_confirmation" }, arrivedAt);
      }
      const apply = /^\/api\/missions\/([^/]+)\/applications$/.exec(url);
      if (req.method === "POST" && apply) {
        const mission = missions.get(decodeURIComponent(apply[1]));
        const email = String((JSON.parse(body) as { email?: unknown }).email ?? "").toLowerCase();
        // as the app: a volunteer who did not follow the confirmation link is unknown
        if (mission === undefined || !state.active.has(email)) return send(res, 404, { error: "not_found" }, arrivedAt);
        if (mission.taken >= mission.places) return send(res, 409, { error: "mission_full" }, arrivedAt);
        mission.taken++;
        state.applications.push({ missionId: apply[1], email });
        return send(res, 201, { status: "applied" }, arrivedAt);
      }
      return send(res, 404, { error: "not_found" }, arrivedAt);
    })();
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
