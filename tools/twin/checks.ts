/**
 * The behaviours a running twin must show (issue 16, "Done when"), as checks against its summary: the
 * origin lock, the apex redirect, a signup stored with its confirmation mail, and, when the edge runs,
 * the same through the edge plus its cache and geo ban. Used by `npm run twin -- check` (CI's twin pass)
 * and by the twin's tests.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "pg";
import { twinRequest, type TwinResponse } from "./client";
import { readOriginAuth } from "./origin-auth";
import type { Summary } from "./twin";

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A client of the twin's database as the app connects (the summary's URL), verifying the twin's CA. */
export async function databaseClient(s: Summary): Promise<Client> {
  const url = new URL(s.database.url);
  url.searchParams.delete("sslmode");
  url.searchParams.delete("sslrootcert");
  const c = new Client({ connectionString: url.toString(), ssl: { ca: readFileSync(s.caFile, "utf8") } });
  await c.connect();
  return c;
}

/** Messages in the mailbox addressed to `to`, waiting up to `ms` for the first. */
export async function mailsTo(s: Summary, to: string, ms = 20_000): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = existsSync(s.smtp.mailbox)
      ? readdirSync(s.smtp.mailbox)
          .filter((f) => f.endsWith(".eml"))
          .map((f) => readFileSync(join(s.smtp.mailbox, f), "utf8"))
          .filter((m) => m.includes(`X-Twin-Envelope-To: ${to}`))
      : [];
    if (found.length > 0 || Date.now() > deadline) return found;
    await sleep(250);
  }
}

function volunteer(): { email: string; body: string } {
  const email = `twin-${Date.now()}-${randomBytes(3).toString("hex")}@example.org`;
  return { email, body: JSON.stringify({ email, firstName: "Camille", lastName: "Jumeau", zip: "69003" }) };
}

const describe = (r: TwinResponse) => `${r.status}${r.headers.location ? ` → ${r.headers.location}` : ""}`;

/** The origin lock's headers a client straight to a load balancer sends (what the edge would add). */
export function originAuthHeaders(s: Summary): Record<string, string> {
  return Object.fromEntries(readOriginAuth(s.originAuthFile).map((h) => [h.header, h.value]));
}

export async function checkLoadBalancers(s: Summary): Promise<CheckResult[]> {
  const ca = readFileSync(s.caFile, "utf8");
  const out: CheckResult[] = [];
  const source = s.cloudflareSourceAddresses[0];
  const auth = readOriginAuth(s.originAuthFile);
  out.push({ name: "the program declares the origin lock's secret header (edge transform rule)", ok: auth.length === 1, detail: auth.map((h) => h.header).join(", ") || "none" });
  const withAuth = originAuthHeaders(s);
  // A wrong value of the right header: the same length, so only the value differs.
  const wrong = Object.fromEntries(auth.map((h) => [h.header, h.value.replace(/./g, "x")]));
  for (const lb of s.loadBalancers) {
    const main = { address: lb.address, port: lb.httpsPort, host: s.hosts.main, ca };
    const outside = await twinRequest({ ...main, path: "/", headers: withAuth });
    out.push({ name: `${lb.name}: main host from outside Cloudflare's ranges is denied, even with the origin-auth header`, ok: outside.status === 403, detail: describe(outside) });
    const bare = await twinRequest({ ...main, path: "/", localAddress: source });
    out.push({ name: `${lb.name}: main host from a Cloudflare stand-in (${source}) without the origin-auth header is denied (another Cloudflare customer's zone)`, ok: bare.status === 403, detail: describe(bare) });
    const forged = await twinRequest({ ...main, path: "/", localAddress: source, headers: wrong });
    out.push({ name: `${lb.name}: main host from a Cloudflare stand-in with a wrong origin-auth value is denied`, ok: forged.status === 403, detail: describe(forged) });
    const inside = await twinRequest({ ...main, path: "/", localAddress: source, headers: withAuth });
    out.push({ name: `${lb.name}: main host from a Cloudflare stand-in with the origin-auth header is served`, ok: inside.status === 200, detail: describe(inside) });
    const apex = await twinRequest({ address: lb.address, port: lb.httpPort, host: s.hosts.apex, path: "/missions/42?x=1&y=2" });
    const expected = `https://${s.hosts.main}/missions/42?x=1&y=2`;
    out.push({ name: `${lb.name}: http://${s.hosts.apex} answers 301 to the main host keeping path and query`, ok: apex.status === 301 && apex.headers.location === expected, detail: `${describe(apex)} (expected 301 → ${expected})` });
  }
  return out;
}

/**
 * A signup through `target` is answered 202, stored once (pending), and its confirmation mail lands in
 * the mailbox with one activation link on the main host (the fleet's PUBLIC_URL); posting its token
 * through the same path activates the volunteer.
 */
export async function checkSignup(s: Summary, via: "load balancer" | "edge"): Promise<CheckResult[]> {
  const ca = readFileSync(s.caFile, "utf8");
  const v = volunteer();
  // Straight to a load balancer, the client plays Cloudflare: its source range, its headers and the origin lock's.
  const headers = { "cf-connecting-ip": "198.51.100.23", ...originAuthHeaders(s) };
  const post = (path: string, body: string) =>
    via === "edge" && s.edge
      ? twinRequest({ address: s.edge.address, port: s.edge.httpsPort, host: s.hosts.main, path, method: "POST", body, ca })
      : twinRequest({ address: s.loadBalancers[0].address, port: s.loadBalancers[0].httpsPort, host: s.hosts.main, path, method: "POST", body, ca, localAddress: s.cloudflareSourceAddresses[0], headers });
  const r = await post("/api/volunteers", v.body);
  const out: CheckResult[] = [{ name: `signup through the ${via} is acknowledged`, ok: r.status === 202, detail: describe(r) }];
  if (r.status !== 202) return out;
  const db = await databaseClient(s);
  try {
    const rows = await db.query("SELECT count(*)::int AS n FROM volunteers WHERE email = $1", [v.email]);
    out.push({ name: `the signup through the ${via} is stored once`, ok: rows.rows[0].n === 1, detail: `${rows.rows[0].n} row(s)` });
    const mails = await mailsTo(s, v.email);
    out.push({ name: `its confirmation mail lands in the mailbox`, ok: mails.length === 1, detail: `${mails.length} message(s) to ${v.email} in ${s.smtp.mailbox}` });
    // quoted-printable (RFC 2045): soft line breaks joined and "=" decoded before reading the link
    const text = (mails[0] ?? "").replace(/=\r?\n/g, "").replace(/=3D/g, "=");
    const link = new RegExp(`https://${s.hosts.main.replace(/\./g, "\\.")}/signup/activation\\?jeton=([A-Za-z0-9_-]{43})`).exec(text);
    out.push({ name: `the mail's activation link points to https://${s.hosts.main}`, ok: link !== null, detail: link ? "found" : "no activation link on the main host in the mail" });
    if (link) {
      const a = await post("/signup/activation", JSON.stringify({ jeton: link[1] }));
      const active = await db.query("SELECT activated_at IS NOT NULL AS active FROM volunteers WHERE email = $1", [v.email]);
      out.push({ name: `following the link through the ${via} activates the volunteer`, ok: a.status === 200 && active.rows[0]?.active === true, detail: describe(a) });
    }
  } finally {
    await db.end();
  }
  return out;
}

/** Through the edge: the home page is served and cached, and a banned country gets 403. */
export async function checkEdge(s: Summary, bannedCountry: string | undefined): Promise<CheckResult[]> {
  if (!s.edge) return [];
  const ca = readFileSync(s.caFile, "utf8");
  const edge = { address: s.edge.address, port: s.edge.httpsPort, host: s.hosts.main, ca };
  const first = await twinRequest({ ...edge, path: "/" });
  const second = await twinRequest({ ...edge, path: "/" });
  const status = second.headers[s.edge.cacheStatusHeader];
  const out: CheckResult[] = [
    { name: "the home page is served through the edge", ok: first.status === 200, detail: describe(first) },
    { name: "the second GET of the home page is an edge cache hit", ok: second.status === 200 && status === "HIT", detail: `${s.edge.cacheStatusHeader}: ${String(status)}` },
  ];
  if (bannedCountry) {
    const banned = await twinRequest({ ...edge, path: "/", headers: { [s.edge.countryHeader]: bannedCountry } });
    out.push({ name: `a visitor from ${bannedCountry} (banned) gets 403`, ok: banned.status === 403, detail: describe(banned) });
  }
  return out;
}

export async function runChecks(s: Summary, bannedCountry?: string): Promise<CheckResult[]> {
  return [...(await checkLoadBalancers(s)), ...(await checkSignup(s, "load balancer")), ...(s.edge ? [...(await checkEdge(s, bannedCountry)), ...(await checkSignup(s, "edge"))] : [])];
}
