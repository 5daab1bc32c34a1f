/**
 * One declared Scaleway load balancer rendered as an HAProxy configuration (Scaleway's load balancers are
 * built on HAProxy: https://www.scaleway.com/en/docs/load-balancer/concepts/#load-balancer). Pure: the
 * caller gives the addresses, ports and certificate files.
 *
 * Scaleway ACL semantics rendered here (https://www.scaleway.com/en/docs/load-balancer/reference-content/acls/,
 * API: https://www.scaleway.com/en/developers/api/load-balancer/zoned-api/#path-acls-create-an-acl, the
 * `ACLMatch`/`ACLAction` types of scaleway-sdk-go api/lb/v1):
 * - ACLs of a frontend run in ascending `index` (verified: API reference, "ACLs are applied in ascending
 *   order, 0 is the first ACL executed"); the first whose condition holds acts and ends the evaluation; a
 *   request none acts on goes to the frontend's backend (as the ACL reference page says, quoted in
 *   components/origin/acls.ts).
 *   → one `http-request allow|deny|redirect ... if <cond>` per ACL, in index order: each of these HAProxy
 *   actions is final for the http-request rule set (https://docs.haproxy.org/2.6/configuration.html#4.2-http-request).
 * - `ip_subnet` is matched against the client's address; `http_filter` against the request: `path_begin`,
 *   `path_end`, `regex` on the URL path, `http_header_match` on the header named by `http_filter_option`
 *   (exact value). When both are given both must hold (assumed: the docs describe each filter, not their
 *   combination; the origin's lock "main host AND Cloudflare source" relies on it and is written that way).
 *   Header match is exact and case-sensitive on the value (assumed), host names are compared case-insensitively.
 * - `invert: true` acts when the condition does NOT hold (verified: API reference of `invert`).
 * - `deny` answers 403 (assumed: HAProxy's `http-request deny` default); `redirect` answers its `code`
 *   (default 302, verified: API reference) with a `location` target whose placeholders `{{host}}`, `{{path}}`,
 *   `{{query}}`, `{{scheme}}` are filled from the request, or a `scheme` target that keeps host, path and query.
 *   `{{path}}` is the path WITHOUT its leading slash and `{{query}}` the query WITHOUT `?`: Scaleway's worked
 *   example `https://www.myblog.com/{{path}}?{{query}}` writes both separators literally (assumed, see
 *   components/origin/acls.ts `apexRedirectTarget` for the quotations; issue 15's post-deploy check settles it).
 */
import type { Acl, AclMatch, Backend, Frontend, LoadBalancer } from "./topology";
import { bareId, TopologyError } from "./topology";

export interface RenderInput {
  lb: LoadBalancer;
  /** Address the frontends bind (the stand-in of the LB's IP). */
  address: string;
  /** Added to every declared frontend port (0 when the twin may bind the declared ports). */
  portOffset: number;
  /** Source address towards the backends (the LB's side of the private network). */
  privateAddress: string;
  /** Servers of each backend, by backend id. */
  servers: Record<string, Array<{ name: string; address: string }>>;
  /** PEM file (certificate, chain and key) per certificate name. */
  certificateFiles: Record<string, string>;
  /** Maps a declared subnet onto the twin's addresses (addresses.ts mapSubnet). */
  mapSubnets: (subnets: readonly string[]) => string[];
  /** Admin socket for `show servers state` (status, drills). */
  statsSocket: string;
}

/**
 * An HAProxy pattern argument, single-quoted: inside single quotes nothing is expanded (a `$` in a regex
 * stays literal; double quotes would expand environment variables), and a quote is written by closing,
 * escaping and reopening, as adjacent quoted parts concatenate
 * (https://docs.haproxy.org/2.6/configuration.html#2.2).
 */
export function quoteArg(value: string): string {
  if (/[\r\n\0]/.test(value)) throw new TopologyError(`an ACL value cannot contain a line break: ${JSON.stringify(value)}`);
  return `'${value.replace(/'/g, "'\\''")}'`;
}

/** A log-format string (redirect location) from a Scaleway redirect target with its placeholders. */
export function redirectLocation(target: string): string {
  const placeholders: Record<string, string> = {
    host: "%[req.hdr(host)]",
    // The path without its leading slash: the target writes the slash itself.
    path: "%[path,regsub(^/,)]",
    query: "%[query]",
    scheme: "%[ssl_fc,iif(https,http)]",
  };
  let out = "";
  let rest = target;
  for (;;) {
    const m = /\{\{(\w+)\}\}/.exec(rest);
    const literal = m ? rest.slice(0, m.index) : rest;
    // In a log-format string `%` starts a variable and a space ends the argument.
    out += literal.replace(/%/g, "%%").replace(/ /g, "\\ ").replace(/"/g, '\\"');
    if (!m) break;
    const p = placeholders[m[1]];
    if (!p) throw new TopologyError(`redirect target ${JSON.stringify(target)}: {{${m[1]}}} is not a Scaleway placeholder ({{host}}, {{path}}, {{query}}, {{scheme}})`);
    out += p;
    rest = rest.slice(m.index + m[0].length);
  }
  return out;
}

interface Condition {
  lines: string[];
  /** ` if a b` / ` unless a b`. */
  suffix: string;
}

function condition(acl: Acl, id: string, mode: "http" | "tcp", mapSubnets: RenderInput["mapSubnets"]): Condition {
  const m: AclMatch = acl.match ?? {};
  if (m.ipsEdgeServices) throw new TopologyError(`ACL ${acl.name}: ips_edge_services matches Scaleway Edge Services' addresses, which the twin does not stand in for`);
  const lines: string[] = [];
  const names: string[] = [];
  if (m.ipSubnets && m.ipSubnets.length > 0) {
    const mapped = mapSubnets(m.ipSubnets);
    const name = `${id}_src`;
    // A list that maps to nothing (IPv6-only ranges) can match no twin client.
    lines.push(mapped.length > 0 ? `    acl ${name} src ${mapped.join(" ")}` : `    acl ${name} always_false`);
    names.push(name);
  }
  const filter = m.httpFilter && m.httpFilter !== "acl_http_filter_none" ? m.httpFilter : undefined;
  if (filter) {
    if (mode === "tcp") throw new TopologyError(`ACL ${acl.name}: http_filter ${filter} needs an HTTP backend (Scaleway refuses it on TCP)`);
    const values = (m.httpFilterValues ?? []).map(quoteArg);
    if (values.length === 0) throw new TopologyError(`ACL ${acl.name}: http_filter ${filter} has no http_filter_value`);
    const name = `${id}_http`;
    switch (filter) {
      case "path_begin":
        lines.push(`    acl ${name} path_beg ${values.join(" ")}`);
        break;
      case "path_end":
        lines.push(`    acl ${name} path_end ${values.join(" ")}`);
        break;
      case "regex":
        lines.push(`    acl ${name} path_reg ${values.join(" ")}`);
        break;
      case "http_header_match": {
        const header = m.httpFilterOption;
        if (!header) throw new TopologyError(`ACL ${acl.name}: http_header_match needs http_filter_option (the header name)`);
        // Host names are case-insensitive (RFC 9110 section 4.2.3); other header values are compared as written.
        const host = header.toLowerCase() === "host";
        lines.push(`    acl ${name} req.hdr(${header}) -m str${host ? " -i" : ""} ${values.join(" ")}`);
        break;
      }
      default:
        throw new TopologyError(`ACL ${acl.name}: http_filter ${JSON.stringify(filter)} is not one of Scaleway's (path_begin, path_end, regex, http_header_match)`);
    }
    names.push(name);
  }
  // No condition at all: the ACL applies to every request.
  const terms = names.length > 0 ? names.join(" ") : "TRUE";
  return { lines, suffix: `${acl.match?.invert ? " unless" : " if"} ${terms}` };
}

function aclRules(acl: Acl, id: string, mode: "http" | "tcp", mapSubnets: RenderInput["mapSubnets"]): string[] {
  const c = condition(acl, id, mode, mapSubnets);
  const type = acl.action?.type ?? "allow";
  const comment = `    # ACL ${acl.index} ${acl.name}: ${type}`;
  if (mode === "tcp") {
    if (type === "redirect") throw new TopologyError(`ACL ${acl.name}: a redirect needs an HTTP backend`);
    return [comment, ...c.lines, `    tcp-request content ${type === "allow" ? "accept" : "reject"}${c.suffix}`];
  }
  switch (type) {
    case "allow":
      return [comment, ...c.lines, `    http-request allow${c.suffix}`];
    case "deny":
      return [comment, ...c.lines, `    http-request deny deny_status 403${c.suffix}`];
    case "redirect": {
      const r = acl.action.redirects?.[0];
      if (!r?.target) throw new TopologyError(`ACL ${acl.name}: a redirect action needs a target`);
      const code = r.code ?? 302;
      if (![301, 302, 303, 307, 308].includes(code)) throw new TopologyError(`ACL ${acl.name}: redirect code ${code} is not one of 301, 302, 303, 307, 308`);
      const how = (r.type ?? "location") === "scheme" ? `scheme ${r.target}` : `location ${redirectLocation(r.target)}`;
      return [comment, ...c.lines, `    http-request redirect ${how} code ${code}${c.suffix}`];
    }
    default:
      throw new TopologyError(`ACL ${acl.name}: action ${JSON.stringify(type)} is not allow, deny or redirect`);
  }
}

/** Mozilla's server-side TLS profiles, which Scaleway's `ssl_compatibility_level` values name (assumed mapping). */
function tlsDefaults(level: string | undefined): string[] {
  switch (level ?? "ssl_compatibility_level_intermediate") {
    case "ssl_compatibility_level_modern":
      return ["    ssl-default-bind-options ssl-min-ver TLSv1.3 no-tls-tickets"];
    case "ssl_compatibility_level_old":
      return ["    ssl-default-bind-options ssl-min-ver TLSv1.0"];
    default:
      return [
        "    ssl-default-bind-ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384",
        "    ssl-default-bind-ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256",
        "    ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets",
      ];
  }
}

const ident = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, "_");

function backendSection(b: Backend, input: RenderInput): string[] {
  const mode = b.forwardProtocol === "http" ? "http" : "tcp";
  const hc = b.healthCheck;
  const servers = input.servers[bareId(b.id)] ?? [];
  const lines = [`backend ${ident(b.name)}`, `    mode ${mode}`, `    balance ${b.algorithm === "first" ? "first" : b.algorithm}`];
  // Scaleway's HTTP backends pass the client address on (assumed: X-Forwarded-For, as HAProxy's forwardfor).
  if (mode === "http") lines.push("    option forwardfor");
  if (b.timeoutConnectMs !== undefined) lines.push(`    timeout connect ${b.timeoutConnectMs}ms`);
  if (b.timeoutServerMs !== undefined) lines.push(`    timeout server ${b.timeoutServerMs}ms`);
  lines.push(`    timeout check ${hc.timeoutMs}ms`);
  if (hc.http) {
    lines.push("    option httpchk");
    lines.push(`    http-check send meth ${hc.http.method} uri ${hc.http.uri}${hc.http.hostHeader ? ` hdr Host ${hc.http.hostHeader}` : ""}`);
    if (hc.http.code !== undefined) lines.push(`    http-check expect status ${hc.http.code}`);
  }
  // The LB reaches the instances from its side of the private network.
  lines.push(`    source ${input.privateAddress}`);
  const onDown = b.onMarkedDownAction === "shutdown_sessions" ? " on-marked-down shutdown-sessions" : "";
  // healthCheckMaxRetries failed checks mark a server down (assumed: HAProxy `fall`; `rise` keeps its default of 2).
  lines.push(`    default-server inter ${hc.delayMs}ms fall ${Math.max(1, hc.maxRetries)} port ${hc.port}${onDown}`);
  if (servers.length === 0) lines.push("    # no instance is registered in this backend");
  for (const s of servers) lines.push(`    server ${ident(s.name)} ${s.address}:${b.forwardPort} check`);
  return lines;
}

function frontendSection(f: Frontend, lb: LoadBalancer, input: RenderInput, index: number): string[] {
  const backend = lb.backends.find((b) => bareId(b.id) === bareId(f.backendId));
  if (!backend) throw new TopologyError(`frontend ${f.name}: its backend ${f.backendId} is not declared on load balancer ${lb.name}`);
  const mode = backend.forwardProtocol === "http" ? "http" : "tcp";
  const crts = f.certificates.map((c) => {
    const file = input.certificateFiles[c.name];
    if (!file) throw new TopologyError(`frontend ${f.name}: no twin certificate file for ${c.name}`);
    return `crt ${file}`;
  });
  const lines = [`frontend ${ident(f.name)}`, `    mode ${mode}`, `    bind ${input.address}:${f.inboundPort + input.portOffset}${crts.length > 0 ? ` ssl ${crts.join(" ")} alpn http/1.1` : ""}`];
  if (f.timeoutClientMs !== undefined) lines.push(`    timeout client ${f.timeoutClientMs}ms`);
  if (mode === "tcp") lines.push("    tcp-request inspect-delay 1s");
  const ordered = [...f.acls].sort((a, b) => a.index - b.index);
  const clash = ordered.find((a, i) => i > 0 && ordered[i - 1].index === a.index);
  if (clash) throw new TopologyError(`frontend ${f.name}: two ACLs have index ${clash.index}: ACLs run in index order, and the twin cannot tell which of these runs first`);
  ordered.forEach((acl) => lines.push(...aclRules(acl, `f${index}_acl${acl.index}`, mode, input.mapSubnets)));
  lines.push(`    default_backend ${ident(backend.name)}`);
  return lines;
}

/** The whole configuration of one load balancer. */
export function renderHaproxyConfig(input: RenderInput): string {
  const { lb } = input;
  return [
    `# Twin of Scaleway load balancer ${lb.name} (declared IPs ${lb.declaredIps.join(", ") || "none"}), rendered from the program's resources.`,
    "global",
    "    maxconn 8000",
    `    stats socket ${input.statsSocket} mode 600 level admin`,
    ...tlsDefaults(lb.sslCompatibilityLevel),
    "",
    "defaults",
    "    timeout connect 5s",
    "    timeout client 30s",
    "    timeout server 30s",
    "",
    ...lb.frontends.flatMap((f, i) => [...frontendSection(f, lb, input, i), ""]),
    ...lb.backends.flatMap((b) => [...backendSection(b, input), ""]),
  ].join("\n");
}
