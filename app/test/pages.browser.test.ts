import { mkdirSync } from "node:fs";
import { join } from "node:path";
import AxeBuilder from "@axe-core/playwright";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { createTestDb, type TestDb } from "./db";
import { ADMIN_TOKEN, startApp, type Harness } from "./app-harness";
import { chromiumInstalled, CHROMIUM_PATH, firstVisitWeight, launchChromium } from "./browser";

/**
 * The volunteer's pages in a real browser (Debian's Chromium through playwright-core) against the
 * app on the test database: the launch night's path with and without JavaScript, axe-core on every
 * page, the signup form with the keyboard only, a 360 px screen and 200 % zoom, degraded mode, and
 * the weight of a first visit. Screenshots of each page go to out/screenshots/ for review.
 */

// Functions given to page.evaluate run in the page; the app's tsconfig has no DOM types.
interface PageElement {
  id: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
}
declare const document: { activeElement: PageElement | null; documentElement: { scrollWidth: number }; querySelector(s: string): { submit(): void } | null };
declare const window: { innerWidth: number };
declare function getComputedStyle(e: PageElement): { outlineStyle: string };

const SCREENSHOTS = join(__dirname, "..", "..", "out", "screenshots");
const inCi = Boolean(process.env.CI);

if (!chromiumInstalled) {
  if (inCi) {
    test("Chromium is installed", () => {
      throw new Error(`no Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    });
  } else {
    process.stdout.write(`pages.browser.test.ts skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium, or set CHROMIUM_PATH)\n`);
    test.skip("browser tests (Chromium not installed)", () => undefined);
  }
} else {
  let db: TestDb;
  let h: Harness;
  /** the same app in degraded mode, on the same database */
  let degradedApp: Harness;
  let browser: Browser;
  let missionId: string;
  /** every URL the browser requested in the whole file: none may carry personal data */
  const requested: string[] = [];

  const json = { "content-type": "application/json" };

  // The scenarios are independent (own browser context, own data): they all start once the app and
  // the browser are up and run side by side, each test awaiting its own, so the file's wall time is
  // about its longest scenario's rather than their sum.
  const scenarios: [string, () => Promise<void>][] = [];
  const running = new Map<string, Promise<void>>();
  function scenario(name: string, fn: () => Promise<void>): void {
    scenarios.push([name, fn]);
    test(name, async () => {
      await running.get(name);
    });
  }
  // alone ~60 s on a loaded 2-core machine; beside the other suites of `npm test`, twice that
  jest.setTimeout(180_000);

  async function mission(places: number): Promise<string> {
    const email = `org${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}@asso.example.org`;
    const org = (await h.request("POST", "/api/organizations", { headers: json, body: JSON.stringify({ name: "Restos du Cœur", email, zip: "75011" }) })).json();
    await h.request("POST", `/api/admin/organizations/${org.id}/validate`, { headers: { ...json, authorization: `Bearer ${ADMIN_TOKEN}` }, body: "{}" });
    const token = (await db.pool.query(`SELECT payload->>'token' AS token FROM email_outbox WHERE organization_id = $1`, [org.id])).rows[0].token;
    const m = await h.request("POST", `/api/organizations/${org.id}/missions`, {
      headers: { ...json, authorization: `Bearer ${token}` },
      body: JSON.stringify({ title: "Distribution alimentaire", description: "Aider à préparer et distribuer les colis du soir.", zip: "75011", city: "Paris", places }),
    });
    return m.json().id;
  }

  async function context(opts: { javaScriptEnabled?: boolean; width?: number; height?: number; app?: Harness } = {}): Promise<BrowserContext> {
    const ctx = await browser.newContext({
      baseURL: (opts.app ?? h).baseUrl,
      javaScriptEnabled: opts.javaScriptEnabled ?? true,
      viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 },
      locale: "fr-FR",
    });
    ctx.on("request", (r) => requested.push(r.url()));
    return ctx;
  }

  /** axe-core with the WCAG 2.1 A/AA rules: no serious or critical violation. */
  async function expectAccessible(page: Page): Promise<void> {
    const r = await new AxeBuilder({ page })
      .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
      // violations only: axe skips detailing what passed, which takes most of its time
      .options({ resultTypes: ["violations"] })
      .analyze();
    const bad = r.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${page.url()}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
    expect(bad).toEqual([]);
  }

  /** Nothing wider than the screen: reflow without horizontal scrolling (WCAG 1.4.10). */
  async function expectNoHorizontalScroll(page: Page): Promise<void> {
    const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
    expect([page.url(), scroll]).toEqual([page.url(), width]);
  }

  /** the text of the first element matching `selector`, once it is there */
  async function textOf(page: Page, selector: string): Promise<string> {
    const l = page.locator(selector).first();
    await l.waitFor({ state: "attached", timeout: 15_000 });
    return (await l.textContent()) ?? "";
  }

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }

  async function fillSignup(page: Page, email: string, over: Record<string, string> = {}): Promise<void> {
    const values: Record<string, string> = { email, firstName: "Camille", lastName: "Martin", zip: "75011", ...over };
    for (const [name, value] of Object.entries(values)) await page.fill(`#${name}`, value);
  }

  const uniqueEmail = (tag: string) => `${tag}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}@example.org`;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    db = await createTestDb();
    [h, browser] = await Promise.all([startApp(db), launchChromium()]);
    missionId = await mission(5);
    degradedApp = await startApp(db, { DEGRADED_MODE: "on" });
    for (const [name, fn] of scenarios) {
      const p = fn();
      p.catch(() => undefined); // reported by its test
      running.set(name, p);
    }
  });

  afterAll(async () => {
    await Promise.allSettled(running.values());
    await browser?.close();
    await degradedApp?.close();
    await h?.close();
    await db?.drop();
  });

  afterAll(() => {
    // no address, name or postcode typed in a form ever reached a URL (the CDN's logs and cache keys)
    expect(requested.filter((u) => /example\.org|%40|Camille|Martin/i.test(u))).toEqual([]);
  });

  for (const javaScriptEnabled of [true, false]) {
    const mode = javaScriptEnabled ? "js" : "nojs";
    scenario(`the launch night's path ${javaScriptEnabled ? "with" : "without"} JavaScript: home, signup (errors first), confirmation, missions, apply`, async () => {
      const ctx = await context({ javaScriptEnabled });
      const page = await ctx.newPage();
      const posts: { url: string; status: number; cache: string | undefined }[] = [];
      page.on("response", (r) => {
        if (r.request().method() === "POST") posts.push({ url: new URL(r.url()).pathname, status: r.status(), cache: r.headers()["cache-control"] });
      });
      const email = uniqueEmail(mode);
      // axe runs inside the page, so only with JavaScript; the same HTML is checked then, and the
      // server-rendered errors in the 360 px test
      const a11y = async () => {
        if (javaScriptEnabled) await expectAccessible(page);
      };

      await page.goto("/");
      expect(await textOf(page, "h1")).toBe("Je veux aider");
      await a11y();
      if (javaScriptEnabled) await shot(page, "1-accueil");
      await page.click("text=Je m’inscris comme bénévole");
      await page.waitForURL("**/signup");

      // errors first: a hostile first name must come back as typed (escaped), the bad fields flagged
      const hostile = `<b>Camille</b>"'`;
      await fillSignup(page, "pas-une-adresse", { firstName: hostile, zip: "00000" });
      if (javaScriptEnabled) await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
      await page.click("button[type=submit]");
      expect(await textOf(page, "#email-error")).toContain("Saisissez une adresse électronique valide");
      expect(await textOf(page, "#zip-error")).toContain("code postal français");
      expect(await page.getAttribute("#email", "aria-invalid")).toBe("true");
      expect(await page.locator("#email").getAttribute("aria-describedby")).toContain("email-messages");
      expect(await page.inputValue("#firstName")).toBe(hostile);
      expect(await page.getAttribute("#firstName", "aria-invalid")).not.toBe("true");
      expect(await textOf(page, "[data-error-summary][role=alert]")).toContain("2 erreurs");
      expect(new URL(page.url()).pathname).toBe("/signup");
      if (javaScriptEnabled) {
        // enhanced: no reload (the page's state survives), focus on the first wrong field
        expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
        expect(await page.evaluate(() => document.activeElement?.id)).toBe("email");
      } else {
        expect(posts.at(-1)).toEqual({ url: "/signup", status: 400, cache: "no-store" });
        expect(await page.title()).toMatch(/^Erreur : Inscription/);
      }
      await a11y();
      if (javaScriptEnabled) await shot(page, "2-inscription-erreurs");

      await fillSignup(page, email);
      await page.click("button[type=submit]");
      await page.waitForURL("**/signup/confirmation");
      expect(await textOf(page, "body")).toContain("Votre compte est en cours d’activation, un e-mail va suivre.");
      if (!javaScriptEnabled) expect(posts.at(-1)).toEqual({ url: "/signup", status: 303, cache: "no-store" });
      else expect(posts.at(-1)).toMatchObject({ url: "/signup", status: 201, cache: "no-store" });
      const stored = await db.pool.query(`SELECT first_name, zip FROM volunteers WHERE email = $1`, [email]);
      expect(stored.rows).toEqual([{ first_name: "Camille", zip: "75011" }]);
      await a11y();
      if (javaScriptEnabled) await shot(page, "3-confirmation");

      // the mailed link (its token read from the outbox, as the mail carries it): a page with a button,
      // which activates; opening the page alone activates nothing
      const token = (await db.pool.query(`SELECT payload->>'token' AS token FROM email_outbox WHERE recipient = $1 AND kind = 'volunteer_confirmation'`, [email])).rows[0].token;
      await page.goto(`/signup/activation?jeton=${token}`);
      await a11y();
      if (javaScriptEnabled) await shot(page, "3b-activation");
      expect((await db.pool.query(`SELECT activated_at FROM volunteers WHERE email = $1`, [email])).rows[0].activated_at).toBeNull();
      await Promise.all([page.waitForURL((u) => u.pathname === "/signup/activation" && u.search === ""), page.click("#activation-form button[type=submit]")]);
      expect(await textOf(page, "h1")).toContain("Votre compte est activé");
      await a11y();
      if (javaScriptEnabled) await shot(page, "3c-compte-active");

      await page.click("text=Voir les missions");
      await page.waitForURL("**/missions");
      await a11y();
      if (javaScriptEnabled) await shot(page, "4-missions");
      await page.click(`a[href="/missions/${missionId}"]`);
      await page.waitForURL(`**/missions/${missionId}`);
      await a11y();

      // an address nobody signed up with: the form says so next to the field
      await page.fill("#email", uniqueEmail("inconnu"));
      await page.click("button[type=submit]");
      expect(await textOf(page, "#email-error")).toContain("Aucun bénévole actif n’est inscrit avec cette adresse");
      await page.fill("#email", email);
      if (javaScriptEnabled) await shot(page, "5-mission");
      await page.click("button[type=submit]");
      await page.waitForURL("**/candidature/confirmation");
      expect(await textOf(page, "h1")).toContain("votre candidature est enregistrée");
      if (!javaScriptEnabled) expect(posts.at(-1)).toEqual({ url: `/missions/${missionId}/candidature`, status: 303, cache: "no-store" });
      const applied = await db.pool.query(`SELECT count(*)::int AS n FROM applications a JOIN volunteers v ON v.id = a.volunteer_id WHERE v.email = $1 AND a.mission_id = $2`, [email, missionId]);
      expect(applied.rows[0].n).toBe(1);
      await a11y();
      if (javaScriptEnabled) await shot(page, "6-candidature-confirmee");
      await ctx.close();
    });
  }

  scenario("the signup form with the keyboard only: skip link, fields in order, Enter submits", async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    await page.goto("/signup");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Contenu");
    await page.keyboard.press("Enter");
    const email = uniqueEmail("clavier");
    const order: string[] = [];
    const values: Record<string, string> = { email, firstName: "Dominique", lastName: "Petit", zip: "69001" };
    for (let k = 0; k < 12 && order.length < 6; k++) {
      await page.keyboard.press("Tab");
      const id = await page.evaluate(() => document.activeElement?.id ?? "");
      if (["email", "firstName", "lastName", "zip", "phone", "birthdate"].includes(id) && !order.includes(id)) {
        order.push(id);
        if (values[id]) await page.keyboard.type(values[id]);
      }
    }
    expect(order).toEqual(["email", "firstName", "lastName", "zip", "phone", "birthdate"]);
    // the date field takes several Tab stops (day, month, year); the button follows
    for (let k = 0; k < 6; k++) {
      if ((await page.evaluate(() => document.activeElement?.getAttribute("type"))) === "submit") break;
      await page.keyboard.press("Tab");
    }
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Je m’inscris");
    // a visible focus ring on the focused control
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).not.toBe("none");
    await page.keyboard.press("Enter");
    await page.waitForURL("**/signup/confirmation");
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM volunteers WHERE email = $1`, [email])).rows[0].n).toBe(1);
    await ctx.close();
  });

  scenario("360 px screen and 200 % zoom: every page reflows without horizontal scrolling", async () => {
    for (const [width, label] of [
      [360, "360px"],
      [640, "zoom-200"], // a 1280 px window at 200 % lays out 640 CSS pixels
    ] as const) {
      const ctx = await context({ width, height: 800 });
      const page = await ctx.newPage();
      for (const url of ["/", "/signup", "/signup/confirmation", "/missions", `/missions/${missionId}`, "/candidature/confirmation", "/accessibilite"]) {
        await page.goto(url);
        await expectNoHorizontalScroll(page);
        if (url === "/signup") {
          await page.click("button[type=submit]"); // empty form: every required field flagged
          await page.locator("#lastName-error").waitFor({ state: "visible" });
          await expectNoHorizontalScroll(page);
          if (width === 360) await expectAccessible(page);
          if (width === 360) await shot(page, `mobile-360-inscription-erreurs`);
          // the errors as the server renders them (a native post, as without JavaScript)
          await page.fill("#firstName", "Camille");
          await Promise.all([page.waitForNavigation(), page.evaluate(() => document.querySelector("#signup-form")?.submit())]);
          expect(await page.title()).toMatch(/^Erreur : Inscription/);
          expect(await page.inputValue("#firstName")).toBe("Camille");
          expect(await page.getAttribute("#lastName", "aria-invalid")).toBe("true");
          await expectNoHorizontalScroll(page);
          if (width === 360) await expectAccessible(page);
        }
      }
      if (width === 360) {
        await page.goto("/signup");
        await shot(page, `mobile-360-inscription`);
      }
      expect(label).toBeTruthy();
      await ctx.close();
    }
  });

  scenario("degraded mode: the paused pages answer 503 + Retry-After with a clear French page; signup still works", async () => {
    const ctx = await context({ app: degradedApp });
    const page = await ctx.newPage();
    {
      for (const url of ["/missions", `/missions/${missionId}`, "/"]) {
        const res = await page.goto(url);
        expect([url, res?.status()]).toEqual([url, 503]);
        expect(Number(res?.headers()["retry-after"])).toBeGreaterThan(0);
        expect(await textOf(page, "h1")).toContain("momentanément en pause");
        if (url === "/missions") await expectAccessible(page); // the same page for each paused URL
      }
      await shot(page, "7-service-reduit");
      await page.click("text=Je m’inscris comme bénévole");
      await page.waitForURL("**/signup");
      await fillSignup(page, uniqueEmail("degrade"));
      await page.click("button[type=submit]");
      await page.waitForURL("**/signup/confirmation");
    }
    await ctx.close();
  });

  scenario("pages are cacheable by the edge, form answers are not; the first visit to the signup page weighs < 300 kB compressed", async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    const { lines, total } = await firstVisitWeight(page, "/signup");
    const table = lines.map((l) => `  ${l.url.padEnd(44)} ${l.type.padEnd(24)} ${String(l.bytes).padStart(8)} B  ${String(l.compressed).padStart(7)} B`).join("\n");
    process.stdout.write(`first visit to /signup: ${lines.length} responses, ${(total / 1000).toFixed(1)} kB compressed (budget 300 kB)\n${table}\n`);
    expect(lines.some((l) => l.type === "font/woff2")).toBe(true);
    expect(total).toBeLessThan(300_000);
    for (const url of ["/", "/signup", "/signup/confirmation", "/missions", `/missions/${missionId}`]) {
      const r = await h.request("GET", url);
      expect(r.headers["cache-control"]).toMatch(/^public, .*s-maxage=\d+/);
      expect(r.headers["set-cookie"]).toBeUndefined();
    }
    await ctx.close();
  });
}
