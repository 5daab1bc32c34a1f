import { stackPolicy } from "../../lib/policy";
import { dmarcRecords, plannedRecords, spfRecords, tagList, txtValue } from "../../lib/email";

export interface Config {
  allowedPolicies: string[];
  requireRua: boolean;
  forbidTestingFlag: boolean;
  requireFullPct: boolean;
}

/** DMARC (RFC 7489, revised as DMARCbis RFC 9989): p=none only monitors; spoofed signup emails still land. */
export const emailDmarcPolicy = stackPolicy<Config>(
  {
    name: "email-dmarc-policy",
    description: "Every sending domain publishes exactly one DMARC record with an enforcing policy (quarantine or reject), aggregate reports, and no testing or partial mode.",
    severity: "high",
    remediationSteps: 'Publish one TXT at _dmarc.<domain>: "v=DMARC1; p=quarantine; sp=quarantine; rua=mailto:<address>" (renfort:email.dmarc.policy), and move to p=reject once reports are clean.',
    url: "https://www.rfc-editor.org/rfc/rfc7489#section-6.3",
    configSchema: {
      properties: {
        allowedPolicies: { type: "array", items: { type: "string", enum: ["none", "quarantine", "reject"] }, default: ["quarantine", "reject"], description: "Accepted p= and sp= values." },
        requireRua: { type: "boolean", default: true, description: "Require a rua=mailto: address for aggregate reports." },
        forbidTestingFlag: { type: "boolean", default: true, description: "Report t=y (DMARCbis testing mode)." },
        requireFullPct: { type: "boolean", default: true, description: "Report pct below 100 (policy applied to a sample only)." },
      },
    },
  },
  ({ resources, config, report }) => {
    const records = plannedRecords(resources).filter((r) => r.type === "TXT");
    const dmarc = dmarcRecords(records);
    const byName = new Map<string, typeof dmarc>();
    for (const r of dmarc) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
    const coveredName = (name: string) => name.split(".").some((_, i, labels) => byName.has(`_dmarc.${labels.slice(i).join(".")}`));
    // Every name with an SPF record sends mail and needs a DMARC record at it (or at a parent domain).
    // Names already covered need not be read (their content may be known only after deployment).
    const uncovered = records.filter((r) => r.peekName === undefined || !coveredName(r.peekName));
    for (const s of spfRecords(uncovered).filter((r) => !/^v=spf1\s+-all$/i.test(txtValue(r.content).trim())))
      report(`${s.name} sends mail (it has an SPF record) but has no DMARC record: publish _dmarc.${s.name}.`, s.resource.urn);
    for (const [name, recs] of byName) {
      if (recs.length > 1) report(`${name} has ${recs.length} DMARC records, so receivers ignore DMARC: keep one.`, recs[1].resource.urn);
      const r = recs[0];
      const tags = tagList(txtValue(r.content));
      const p = tags.get("p");
      const sp = tags.get("sp");
      if (!p) report(`DMARC record ${name} has no p= tag: set p=quarantine or p=reject.`, r.resource.urn);
      else if (!config.allowedPolicies.includes(p.toLowerCase()))
        report(`DMARC record ${name} has p=${p}: set p=${config.allowedPolicies.join(" or p=")} (renfort:email.dmarc.policy).`, r.resource.urn);
      if (sp && !config.allowedPolicies.includes(sp.toLowerCase())) report(`DMARC record ${name} has sp=${sp}: subdomains need ${config.allowedPolicies.join(" or ")} too.`, r.resource.urn);
      if (config.requireRua && !(tags.get("rua") ?? "").split(",").some((u) => u.trim().toLowerCase().startsWith("mailto:")))
        report(`DMARC record ${name} has no rua=mailto: address, so nobody sees failures: add rua=mailto:<address>.`, r.resource.urn);
      if (config.forbidTestingFlag && tags.get("t")?.toLowerCase() === "y") report(`DMARC record ${name} is in testing mode (t=y): remove it.`, r.resource.urn);
      const pct = tags.get("pct");
      if (config.requireFullPct && pct !== undefined && Number(pct) < 100) report(`DMARC record ${name} applies its policy to pct=${pct}% of mail only: remove pct or set 100.`, r.resource.urn);
    }
  },
);
