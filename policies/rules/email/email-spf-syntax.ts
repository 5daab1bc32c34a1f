import { resourcePolicy } from "../../lib/policy";
import { hasServiceLabel, isSpf, parseSpf, txtChunks, txtValue } from "../../lib/email";
import { T, as, fqdn, type DnsRecordProps } from "../../lib/types";

export interface Config {
  allowedAll: string[];
}

export const emailSpfSyntax = resourcePolicy<Config>(
  {
    name: "email-spf-syntax",
    description: "Every SPF record parses, ends with a hard fail (-all) where required, and uses neither +all, ?all nor ptr, with quoted chunks of at most 255 characters.",
    severity: "high",
    remediationSteps: 'Write the record as "v=spf1 include:<provider> -all", drop ptr and +all/?all, and split long records into quoted chunks of 255 characters.',
    url: "https://www.rfc-editor.org/rfc/rfc7208",
    configSchema: {
      properties: {
        allowedAll: {
          type: "array",
          items: { type: "string", enum: ["-all", "~all"] },
          default: ["-all"],
          description: "Accepted final `all` terms (prod: -all; staging may accept ~all).",
        },
      },
    },
  },
  T.cfDnsRecord,
  ({ props, config, report }) => {
    const r = as<DnsRecordProps>(props);
    if (String(r.type).toUpperCase() !== "TXT") return;
    const name = fqdn(String(r.name));
    if (hasServiceLabel(name)) return; // DKIM, DMARC and verification records never hold SPF
    const content = String(r.content ?? "");
    const value = txtValue(content);
    if (!isSpf(value)) return;
    const { terms, errors } = parseSpf(value);
    for (const e of errors) report(`SPF record of ${name} has an ${e} (a permerror for receivers): fix or remove it.`);
    for (const c of txtChunks(content)) if (c.length > 255) report(`SPF record of ${name} has a quoted chunk of ${c.length} characters: split it into chunks of at most 255.`);
    if (terms.some((t) => t.name === "ptr")) report(`SPF record of ${name} uses ptr, which RFC 7208 says not to use: list the senders with include/ip4/ip6.`);
    const all = terms.find((t) => t.name === "all" && !t.modifier);
    const redirect = terms.find((t) => t.name === "redirect" && t.modifier);
    if (!all && !redirect) {
      report(`SPF record of ${name} has no final all term: end it with ${config.allowedAll[0]}.`);
      return;
    }
    if (all) {
      const term = `${all.qualifier === "+" ? "+" : all.qualifier}all`;
      if (all.qualifier === "+" || all.qualifier === "?") report(`SPF record of ${name} ends with ${term}, which authorises every server: end it with -all.`);
      else if (!config.allowedAll.includes(term)) report(`SPF record of ${name} ends with ${term}: end it with ${config.allowedAll.join(" or ")} (email-spf-syntax.allowedAll).`);
      if (terms.indexOf(all) !== terms.filter((t) => !t.modifier).length - 1) report(`SPF record of ${name} has mechanisms after "all", which are never evaluated: move all to the end.`);
    }
  },
);
