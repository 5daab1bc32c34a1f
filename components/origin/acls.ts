/**
 * The load balancer's ACLs, as ordered data. The component turns each spec into one
 * `scaleway.loadbalancers.Acl`; keeping the list pure lets the tests pin the order and the match values.
 *
 * How Scaleway evaluates them (https://www.scaleway.com/en/docs/load-balancer/reference-content/acls/):
 * ACLs run in ascending `index`; the first one whose condition matches acts (allow, deny or redirect)
 * and no later ACL sees that request; a request no ACL acts on goes to the backend. So the list ends with
 * an unconditional deny, and conditional rules come before it.
 */

/** The two frontends: `https` on 443 and `http` on 80. */
export type FrontendKey = "https" | "http";

/**
 * Field names and values as `scaleway.loadbalancers.AclArgs` takes them (snake_case enum values go to the API as is).
 * `V` is the type of a match value: `string` in the pure tests, a secret `pulumi.Output<string>` for the
 * origin-auth values in the component (so only those values are secret in the state and the plan).
 */
export interface AclSpec<V = string> {
  /** Stable key: the resource is named `<lb>-acl-<key>`. */
  key: string;
  frontend: FrontendKey;
  /** Evaluation order inside its frontend, from 0. */
  index: number;
  description: string;
  action:
    | { type: "allow" | "deny" }
    | { type: "redirect"; redirects: [{ type: "location" | "scheme"; target: string; code: 301 }] };
  match: {
    httpFilter?: "http_header_match" | "path_begin";
    /** The header name for `http_header_match`: `host` or the origin-auth header. */
    httpFilterOption?: string;
    /** Any of these values matches (the provider: "A list of possible values to match"). */
    httpFilterValues?: Array<string | V>;
    /** `true`: the ACL acts when the condition does NOT hold (the provider: 'the condition will be of type "unless"'). */
    invert?: boolean;
    ipSubnets?: string[];
  };
}

/**
 * The secret request header Cloudflare adds to every request for the main host (a request-header transform
 * rule of the edge, components/edge/origin-auth.ts) and the load balancers require: IP ranges and Host alone
 * let any Cloudflare customer reach the origin by pointing a zone of theirs at our IPs.
 * Lower case: HTTP field names are case-insensitive (RFC 9110 §5.1), and the provider notes that "in the case
 * of `httpHeaderMatch` the HTTP header field name is case insensitive" (@pulumiverse/scaleway AclMatch).
 */
export const ORIGIN_AUTH_HEADER = "x-renfort-origin-auth";

export interface OriginAuthInput<V = string> {
  /** Header name (an RFC 9110 token, lower case). */
  header: string;
  /** Accepted values, current first; two during a rotation (current and previous), never more. */
  values: readonly V[];
}

export interface OriginAclInput<V = string> {
  /** The apex domain visitors type; its DNS points straight at the load balancer (no Cloudflare). */
  apex: string;
  /** The host Cloudflare proxies and the apex redirects to. */
  mainHost: string;
  /** Sources allowed to reach the main host: Cloudflare's published ranges. */
  cloudflareRanges: readonly string[];
  /** The secret header the main host's requests must carry, and its accepted values. */
  originAuth: OriginAuthInput<V>;
}

/** Every client address, IPv4 and IPv6: the explicit form of "unconditional" that the API accepts on any frontend. */
export const ANY_SOURCE: readonly string[] = ["0.0.0.0/0", "::/0"];

/**
 * Location of the apex redirect: `https://<mainHost>/{{path}}?{{query}}`, the main host written in place of
 * `{{host}}` in the form Scaleway documents for a custom redirection URI that keeps the request's path and
 * query: "Define a custom URI to direct to, in the format `https://{{host}}/{{path}}?{{query}}`"
 * (https://www.scaleway.com/en/docs/load-balancer/how-to/create-manage-acls/, step 8), and its worked
 * example "`https://www.myblog.com/{{path}}?{{query}}`" for "a URI with a custom host www.myblog.com, but
 * retain the same path and query parameters" (https://www.scaleway.com/en/docs/load-balancer/reference-content/acls/#redirecting-to-a-different-uri).
 * Both write the `/` before `{{path}}` and the `?` before `{{query}}` literally, so Scaleway substitutes
 * `{{path}}` without its leading slash and `{{query}}` without `?`. The API reference lists the placeholders
 * (`{{host}}`, `{{query}}`, `{{path}}`, `{{scheme}}`) without saying more; the provider's docs
 * (`@pulumiverse/scaleway` loadbalancers/acl.d.ts, terraform-provider-scaleway docs/resources/lb_acl.md)
 * do not mention placeholders at all. A request without a query string gets a trailing `?`, the same URL.
 */
export function apexRedirectTarget(mainHost: string): string {
  return `https://${mainHost}/{{path}}?{{query}}`;
}

/**
 * Paths only the load balancers' own health checks ask for (straight to the backends on the private
 * network, never through a frontend): denied on every frontend request, whoever sends it. The edge
 * blocks them too (components/edge/rules.ts `INTERNAL_PATHS`).
 */
export const INTERNAL_PATH_PREFIXES: readonly string[] = ["/readyz"];

const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/**
 * The ordered ACLs of both frontends.
 *
 * 443: 0 apex host → 301 to the main host, same path and query (the apex is not behind Cloudflare, so this
 *        comes before the origin lock and never reaches the backend);
 *      1 path begins with /readyz → deny, Cloudflare or not (readiness is for the health checks only);
 *      2 Host is not the main host → deny (`invert`): bare IPs and other hosts stop here;
 *      3 from a Cloudflare range AND the origin-auth header carries an accepted value → allow. One Scaleway
 *        ACL matches one `http_filter`, so the Host condition is the deny before it; the header is what another
 *        Cloudflare customer's zone cannot send (IP ranges are shared by every Cloudflare customer);
 *      4 everything else → deny (the main host from outside Cloudflare, or without the header or with a wrong value).
 * 80:  0 apex host → 301 straight to https://<mainHost>, same path and query: one hop, and it works before
 *        the apex has a certificate (https://<apex> would need one);
 *      1 everything else → 301 to the same URL in https.
 *      No ACME pass-through: the apex certificate is obtained over DNS-01 (components/origin/README.md), so
 *      nothing is validated over plain HTTP and port 80 only redirects.
 */
export function originAcls<V = string>(input: OriginAclInput<V>): AclSpec<V>[] {
  for (const [arg, host] of [["apex", input.apex], ["mainHost", input.mainHost]] as const) {
    if (!HOSTNAME.test(host)) throw new Error(`\`${arg}\` must be a lower-case host name such as www.example.fr, got ${JSON.stringify(host)}`);
  }
  if (input.apex === input.mainHost) {
    throw new Error(`\`apex\` and \`mainHost\` must differ (the apex redirects to the main host), both are ${input.apex}`);
  }
  if (input.cloudflareRanges.length === 0) {
    throw new Error("the Cloudflare ranges (data/cloudflare-ips.json) must not be empty: the origin lock would deny every visitor");
  }
  const auth = input.originAuth;
  if (!HEADER_NAME.test(auth.header)) {
    throw new Error(`the origin-auth header name must be a lower-case HTTP field name such as ${ORIGIN_AUTH_HEADER}, got ${JSON.stringify(auth.header)}`);
  }
  if (auth.header === "host") throw new Error("the origin-auth header cannot be Host: pick a header of its own such as " + ORIGIN_AUTH_HEADER);
  if (auth.values.length < 1 || auth.values.length > 2) {
    throw new Error(`the origin-auth header takes one accepted value, or two during a rotation (current and previous), got ${auth.values.length}`);
  }
  return [
    {
      key: "https-apex-redirect",
      frontend: "https",
      index: 0,
      description: `301 ${input.apex} to https://${input.mainHost} keeping path and query, before the origin lock`,
      action: { type: "redirect", redirects: [{ type: "location", target: apexRedirectTarget(input.mainHost), code: 301 }] },
      match: { httpFilter: "http_header_match", httpFilterOption: "host", httpFilterValues: [input.apex] },
    },
    {
      key: "https-deny-internal-paths",
      frontend: "https",
      index: 1,
      description: `deny ${INTERNAL_PATH_PREFIXES.join(", ")} from every source: only the health checks, on the private network, ask for it`,
      action: { type: "deny" },
      match: { httpFilter: "path_begin", httpFilterValues: [...INTERNAL_PATH_PREFIXES] },
    },
    {
      key: "https-deny-other-hosts",
      frontend: "https",
      index: 2,
      description: `deny every Host but ${input.mainHost} (bare IPs, other hosts) before the origin lock`,
      action: { type: "deny" },
      match: { httpFilter: "http_header_match", httpFilterOption: "host", httpFilterValues: [input.mainHost], invert: true },
    },
    {
      key: "https-main-from-cloudflare",
      frontend: "https",
      index: 3,
      description: `allow ${input.mainHost} from Cloudflare's published ranges carrying the origin-auth header ${auth.header}`,
      action: { type: "allow" },
      match: {
        ipSubnets: [...input.cloudflareRanges],
        httpFilter: "http_header_match",
        httpFilterOption: auth.header,
        httpFilterValues: [...auth.values],
      },
    },
    {
      key: "https-deny-rest",
      frontend: "https",
      index: 4,
      description: "deny everything else: the main host from outside Cloudflare, without the origin-auth header or with a wrong value",
      action: { type: "deny" },
      match: { ipSubnets: [...ANY_SOURCE] },
    },
    {
      key: "http-apex-redirect",
      frontend: "http",
      index: 0,
      description: `301 http://${input.apex} straight to https://${input.mainHost} keeping path and query (one hop, no apex certificate needed)`,
      action: { type: "redirect", redirects: [{ type: "location", target: apexRedirectTarget(input.mainHost), code: 301 }] },
      match: { httpFilter: "http_header_match", httpFilterOption: "host", httpFilterValues: [input.apex] },
    },
    {
      key: "http-to-https",
      frontend: "http",
      index: 1,
      description: "301 every plain-HTTP request to the same URL in https",
      action: { type: "redirect", redirects: [{ type: "scheme", target: "https", code: 301 }] },
      match: { ipSubnets: [...ANY_SOURCE] },
    },
  ];
}
