import { stackPolicy } from "../../lib/policy";
import { plannedRecords, spfRecords } from "../../lib/email";

export interface Config {
  maxPerName: number;
}

/** Two `v=spf1` records at one name is a permerror: receivers treat the domain as having no SPF. */
export const emailSpfSingle = stackPolicy<Config>(
  {
    name: "email-spf-single",
    description: "Each DNS name publishes at most one SPF (v=spf1) TXT record.",
    severity: "high",
    remediationSteps: "Merge the senders' mechanisms (include:...) into one `v=spf1 ... -all` record per name.",
    url: "https://www.rfc-editor.org/rfc/rfc7208#section-3.2",
    configSchema: {
      properties: { maxPerName: { type: "integer", const: 1, default: 1, description: "SPF records allowed per name (RFC 7208: one)." } },
    },
  },
  ({ resources, config, report }) => {
    const byName = new Map<string, string[]>();
    for (const r of spfRecords(plannedRecords(resources))) {
      byName.set(r.name, [...(byName.get(r.name) ?? []), r.resource.urn]);
    }
    for (const [name, urns] of byName)
      if (urns.length > config.maxPerName)
        report(`${name} publishes ${urns.length} SPF records, which is a permerror for receivers: merge them into one v=spf1 record.`, urns[1]);
  },
);
