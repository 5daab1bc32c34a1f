/**
 * The `renfort:edge` schema (stacks/config/edge.ts) against the committed stack files and mutations of them.
 */
import { parseConfig, parseConfigReport } from "../config";
import { committedRaw, configProblems } from "../../tools/plan/testing";
import { FRENCH_TERRITORIES } from "../../components/edge/countries";
import { edgeArgsFromConfig } from "./edge";

const originAuth = { header: "x-renfort-origin-auth", value: "stand-in" };

/** The stack's raw config with `renfort:edge` changed by `edit`. */
function withEdge(stack: "staging" | "prod", edit: (edge: Record<string, unknown>) => void): Record<string, unknown> {
  const r = committedRaw(stack);
  edit(r.edge as Record<string, unknown>);
  return r;
}

describe("committed stack files", () => {
  it.each(["staging", "prod"] as const)("%s parses with no edge problem", (stack) => {
    const { config, posture } = parseConfigReport(committedRaw(stack));
    expect(posture.filter((p) => p.startsWith("renfort:edge"))).toEqual([]);
    expect(config.edge.geoBans).toEqual(["KP"]);
  });

  it("maps prod onto the component's args, protected", () => {
    const args = edgeArgsFromConfig(parseConfig(committedRaw("prod")), { originIps: ["51.159.1.1", "51.159.1.2"], originAuth });
    expect(args).toEqual({
      zoneId: "32ef0ee2908e2e491b72fa28d1a7f1ca",
      mainHost: "www.renfort-benevoles.fr",
      originIps: ["51.159.1.1", "51.159.1.2"],
      originAuth,
      plan: "pro",
      minTlsVersion: "1.2",
      hsts: { maxAgeSeconds: 31536000, preload: false },
      owaspCore: true,
      geoBans: ["KP"],
      sensitivePaths: ["/admin"],
      rateLimits: {
        signup: { requestsPerPeriod: 120, periodSeconds: 60, mitigationTimeoutSeconds: 600 },
        apiWrites: { requestsPerPeriod: 300, periodSeconds: 60, mitigationTimeoutSeconds: 600 },
      },
      protect: true,
    });
  });

  it("maps staging unprotected", () => {
    expect(edgeArgsFromConfig(parseConfig(committedRaw("staging")), { originIps: [], originAuth }).protect).toBe(false);
  });
});

describe("renfort:edge.geoBans", () => {
  it.each(Object.keys(FRENCH_TERRITORIES))("refuses %s, naming the key and index", (code) => {
    const p = configProblems(withEdge("prod", (e) => (e.geoBans = ["KP", code])));
    expect(p).toEqual([expect.stringMatching(new RegExp(`^renfort:edge\\.geoBans\\[1\\] must not be France or a French overseas territory \\(${code} is `))]);
  });

  it.each([
    ["kp", /renfort:edge.geoBans\[0\] must be an ISO 3166-1 alpha-2 country code in upper case, for example KP, got "kp"/],
    ["ZZ", /renfort:edge.geoBans\[0\] must be an officially assigned ISO 3166-1 alpha-2 code .*got "ZZ"/],
    ["EU", /renfort:edge.geoBans\[0\] must be an officially assigned/],
  ])("refuses %j", (code, message) => {
    expect(configProblems(withEdge("staging", (e) => (e.geoBans = [code])))).toEqual([expect.stringMatching(message)]);
  });

  it("refuses a repeated code", () => {
    expect(configProblems(withEdge("staging", (e) => (e.geoBans = ["KP", "IR", "KP"])))).toEqual([
      'renfort:edge.geoBans[2] must not repeat KP (already at index 0), got "KP"',
    ]);
  });

  it("refuses more codes than the plan's custom rules can hold", () => {
    const codes = ["KP", "IR", "SY", "CU", "RU", "BY", "CN", "VE", "MM", "AF", "IQ", "LY", "SD", "SO", "YE", "ER", "ZW", "NI"];
    expect(configProblems(withEdge("staging", (e) => (e.geoBans = codes)))).toEqual([
      expect.stringMatching(/^renfort:edge.geoBans must hold at most 17 codes on the pro plan/),
    ]);
    expect(configProblems(withEdge("staging", (e) => (e.geoBans = codes.slice(0, 17))))).toEqual([]);
  });
});

describe("plan limits", () => {
  it("refuses OWASP on the free plan, and the free plan's single rate limiting rule", () => {
    const p = configProblems(
      withEdge("staging", (e) => {
        e.plan = "free";
      }),
    );
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^renfort:edge.waf.owaspCore must be false on the free plan/),
        expect.stringMatching(/^renfort:edge.plan must allow 2 rate limiting rules \(signup, apiWrites\); the free plan allows 1/),
      ]),
    );
  });

  it.each([
    ["pro", 120, /renfort:edge.rateLimits.signup.periodSeconds must be <= 60 on the pro plan/],
    ["business", 3600, /renfort:edge.rateLimits.signup.periodSeconds must be <= 600 on the business plan/],
  ])("refuses a counting period too long for %s", (plan, period, message) => {
    const p = configProblems(
      withEdge("staging", (e) => {
        e.plan = plan;
        (e.rateLimits as { signup: Record<string, unknown> }).signup.periodSeconds = period;
      }),
    );
    expect(p).toEqual([expect.stringMatching(message)]);
  });

  it("accepts a 10-minute period on business", () => {
    expect(
      configProblems(
        withEdge("staging", (e) => {
          e.plan = "business";
          (e.rateLimits as { signup: Record<string, unknown> }).signup.periodSeconds = 600;
        }),
      ),
    ).toEqual([]);
  });

  it.each([
    [7200, "pro"],
    [45, "pro"], // a supported duration under the plan maximum: accepted
    [601, "pro"],
    [0, "pro"],
  ])("checks mitigation timeout %d on %s against the supported values", (timeout, plan) => {
    const p = configProblems(
      withEdge("staging", (e) => {
        e.plan = plan;
        (e.rateLimits as { apiWrites: Record<string, unknown> }).apiWrites.mitigationTimeoutSeconds = timeout;
      }),
    );
    if (timeout === 45) expect(p).toEqual([]);
    else expect(p).toEqual([expect.stringMatching(/^renfort:edge.rateLimits.apiWrites.mitigationTimeoutSeconds must be one of 10, 15, .*, 3600 on the pro plan/)]);
  });
});

describe("other edge keys", () => {
  it("refuses preload without a one-year max-age", () => {
    expect(configProblems(withEdge("staging", (e) => (e.hsts = { maxAgeSeconds: 86400, preload: true })))).toEqual([
      expect.stringMatching(/^renfort:edge.hsts.maxAgeSeconds must be >= 31536000 \(one year\) when renfort:edge.hsts.preload is true/),
    ]);
  });

  it.each([
    ["/", /renfort:edge.sensitivePaths\[0\] must not be \/ alone/],
    ["admin", /renfort:edge.sensitivePaths\[0\] must be a path prefix such as \/admin/],
    ['/a"b', /must be a path prefix/],
  ])("refuses the sensitive path %j", (path, message) => {
    expect(configProblems(withEdge("staging", (e) => (e.sensitivePaths = [path])))).toEqual([expect.stringMatching(message)]);
  });

  it("refuses an empty list of sensitive paths", () => {
    expect(configProblems(withEdge("staging", (e) => (e.sensitivePaths = [])))).toEqual([expect.stringMatching(/^renfort:edge.sensitivePaths must list at least one path prefix/)]);
  });
});

describe("prod posture", () => {
  it.each<[string, (e: Record<string, unknown>) => void, RegExp]>([
    ["TLS 1.1", (e) => (e.minTlsVersion = "1.1"), /^renfort:edge.minTlsVersion must be "1.2" or "1.3" in prod, got "1.1"/],
    ["a one-day HSTS", (e) => (e.hsts = { maxAgeSeconds: 86400, preload: false }), /^renfort:edge.hsts.maxAgeSeconds must be >= 31536000/],
    ["no OWASP", (e) => (e.waf = { owaspCore: false }), /^renfort:edge.waf.owaspCore must be true in prod/],
    [
      "a signup limit too low for a school",
      (e) => ((e.rateLimits as { signup: Record<string, unknown> }).signup.requestsPerPeriod = 20),
      /^renfort:edge.rateLimits.signup.requestsPerPeriod must allow at least 60 requests per minute in prod .* >= 60 per 60 s, got 20/,
    ],
  ])("reports %s in prod, not in staging", (_name, edit, message) => {
    expect(parseConfigReport(withEdge("prod", edit)).posture).toEqual([expect.stringMatching(message)]);
    expect(parseConfigReport(withEdge("staging", edit)).posture).toEqual([]);
  });
});
