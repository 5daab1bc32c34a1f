import { createPublicKey } from "node:crypto";
import { resourcePolicy } from "../../lib/policy";
import { tagList, txtValue } from "../../lib/email";
import { T, as, fqdn, type DnsRecordProps } from "../../lib/types";

export interface Config {
  minRsaBits: number;
  forbidTestingFlag: boolean;
}

/** RFC 8301: RSA keys under 1024 bits must fail and 2048 is the recommendation; RFC 8463 adds ed25519 (32-byte keys). */
export const emailDkimKey = resourcePolicy<Config>(
  {
    name: "email-dkim-key",
    description: "Every DKIM key record is well formed (v=DKIM1, k=rsa or ed25519, a valid p=), uses RSA keys of at least 2048 bits, and is not in testing mode where forbidden.",
    severity: "high",
    remediationSteps: "Publish the provider's current key (Scaleway TEM dkimConfig, or Brevo's) with an RSA key of 2048 bits or more, without t=y.",
    url: "https://www.rfc-editor.org/rfc/rfc8301",
    configSchema: {
      properties: {
        minRsaBits: { type: "integer", minimum: 1024, default: 2048, description: "Smallest RSA modulus accepted, bits." },
        forbidTestingFlag: { type: "boolean", default: true, description: "Report t=y (testing mode: receivers ignore failures)." },
      },
    },
  },
  T.cfDnsRecord,
  ({ props, config, report }) => {
    const r = as<DnsRecordProps>(props);
    if (String(r.type).toUpperCase() !== "TXT") return;
    const name = fqdn(String(r.name));
    if (!name.includes("._domainkey.")) return;
    const tags = tagList(txtValue(String(r.content ?? "")));
    const v = tags.get("v");
    if (v !== undefined && v !== "DKIM1") report(`DKIM record ${name} has v=${v}: it must be v=DKIM1.`);
    const k = (tags.get("k") ?? "rsa").toLowerCase();
    const p = (tags.get("p") ?? "").replace(/\s+/g, "");
    if (config.forbidTestingFlag && (tags.get("t") ?? "").split(":").map((f) => f.trim()).includes("y"))
      report(`DKIM record ${name} is in testing mode (t=y), so receivers ignore its failures: remove t=y.`);
    if (!p) {
      report(`DKIM record ${name} has an empty p= (a revoked key): publish the provider's current public key.`);
      return;
    }
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(p)) {
      report(`DKIM record ${name} has a p= that is not base64: copy the key exactly as the provider gives it.`);
      return;
    }
    const der = Buffer.from(p, "base64");
    if (k === "ed25519") {
      if (der.length !== 32) report(`DKIM record ${name} has an ed25519 key of ${der.length} bytes: it must be 32 bytes.`);
      return;
    }
    if (k !== "rsa") {
      report(`DKIM record ${name} uses key type k=${k}: use rsa or ed25519.`);
      return;
    }
    let bits: number | undefined;
    try {
      bits = createPublicKey({ key: der, format: "der", type: "spki" }).asymmetricKeyDetails?.modulusLength;
    } catch {
      try {
        bits = createPublicKey({ key: der, format: "der", type: "pkcs1" }).asymmetricKeyDetails?.modulusLength;
      } catch {
        bits = undefined;
      }
    }
    if (bits === undefined) report(`DKIM record ${name} has a p= that is not a valid RSA public key: copy the key exactly as the provider gives it.`);
    else if (bits < config.minRsaBits) report(`DKIM record ${name} has a ${bits}-bit RSA key: use a key of at least ${config.minRsaBits} bits.`);
  },
);
