/**
 * The shape every email provider module (tem.ts, brevo.ts) returns to the Email component.
 */
import type * as cloudflare from "@pulumi/cloudflare";
import type * as pulumi from "@pulumi/pulumi";
import type { ProviderDnsValues } from "./records";

export interface ProviderSending {
  /** What the provider asks the sending domain to publish (SPF terms, DKIM, MX, ownership proof). */
  values: pulumi.Output<ProviderDnsValues>;
  /** DKIM selector: names the DKIM record's resource, so it is plain. */
  selector: string;
  /** `smtp://user:password@host:port?requireTLS=true` (secret material inside). */
  smtpUrl: pulumi.Output<string>;
  /** Called once the DNS records are declared; resolves to true once the provider accepts the domain. */
  afterRecords(records: cloudflare.DnsRecord[]): pulumi.Output<true>;
}
