import { resourcePolicy } from "../../lib/policy";
import { isEnabled, ruleLabel, rulesOf } from "../../lib/cloudflare";
import { negationMap, tokenize } from "../../lib/cf-expr";
import { T, as, type RulesetProps } from "../../lib/types";

export interface Config {
  dynamicPaths: string[];
  maxEdgeTtlSeconds: number;
}

const WRITE_METHODS = ["POST", "PUT", "PATCH", "DELETE"];
const PATH_FIELDS = ["http.request.uri.path", "http.request.uri.path.extension", "http.request.uri", "http.request.full_uri"];

/**
 * `cache: true` makes a response eligible for caching, and without Cache-Control Cloudflare applies its
 * default TTLs: a cache rule must be scoped to static paths and never to the API or to writes.
 */
export const cfCacheNoDynamic = resourcePolicy<Config>(
  {
    name: "cf-cache-no-dynamic",
    description: "No Cloudflare cache rule makes API paths, write requests or unscoped traffic eligible for caching, and cache TTLs stay at or under one year.",
    severity: "high",
    remediationSteps:
      'Scope `cache: true` rules to static paths (e.g. starts_with(http.request.uri.path, "/assets/")), put `cache: false` on /api/, and keep edgeTtl.default <= 31536000.',
    url: "https://developers.cloudflare.com/cache/how-to/cache-rules/settings/",
    configSchema: {
      properties: {
        dynamicPaths: { type: "array", items: { type: "string" }, default: ["/api/"], description: "Path prefixes that must never be cached." },
        maxEdgeTtlSeconds: { type: "integer", default: 31536000, description: "Longest edge TTL accepted." },
      },
    },
  },
  T.cfRuleset,
  ({ props, config, report }) => {
    if (as<RulesetProps>(props).phase !== "http_request_cache_settings") return;
    rulesOf({ props }).forEach((rule, i) => {
      const p = rule.actionParameters;
      if (!isEnabled(rule) || rule.action !== "set_cache_settings") return;
      const label = ruleLabel(rule, i);
      const ttl = p?.edgeTtl?.default;
      if (typeof ttl === "number" && ttl > config.maxEdgeTtlSeconds)
        report(`${label} sets edgeTtl.default to ${ttl}s, above ${config.maxEdgeTtlSeconds}s: lower it.`);
      if (p?.cache !== true) return;
      const tokens = tokenize(rule.expression ?? "").tokens;
      // A string literal counts when it is not under a `not` (e.g. `not starts_with(path, "/api/")` excludes the API).
      const negated = negationMap(tokens);
      const positive = (pred: (s: string) => boolean) => tokens.some((t, idx) => t.kind === "string" && pred(t.value) && !negated[idx]);
      const dyn = config.dynamicPaths.find((d) => positive((s) => s.startsWith(d) || (d.startsWith(s) && s.length > 1)));
      if (dyn) report(`${label} makes "${dyn}" responses eligible for cache: exclude the API and set cache: false on it.`);
      if (positive((s) => WRITE_METHODS.includes(s.toUpperCase())))
        report(`${label} makes write requests eligible for cache: never cache POST/PUT/PATCH/DELETE.`);
      if (!tokens.some((t) => t.kind === "word" && PATH_FIELDS.includes(t.value)))
        report(`${label} enables caching without restricting the path, so API responses become cacheable: scope it to static paths or extensions.`);
    });
  },
);
