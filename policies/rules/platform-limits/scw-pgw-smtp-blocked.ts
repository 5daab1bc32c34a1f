import { stackPolicy } from "../../lib/policy";
import { isUnknown, undecided } from "../../lib/unknown";
import { SCALEWAY_PUBLIC_GATEWAY_SMTP, gatewayBlocksSmtpPort } from "../../../data/smtp-egress";

export interface Config {
  /** Resource types that declare the SMTP relay the fleet uses, as `smtpHost` / `smtpPort` inputs. */
  smtpClientTypes: string[];
}

const PUBLIC_GATEWAY_TYPES = ["scaleway:network/publicGateway:PublicGateway", "scaleway:index/vpcPublicGateway:VpcPublicGateway"];

/**
 * The fleet has no public address: its mail leaves through the private network's Public Gateway, which
 * drops 25, 465, 587 and 2525 unless SMTP is enabled on it. A relay on one of those ports behind a gateway
 * with SMTP off means no confirmation email ever leaves, and nothing fails at deploy time.
 */
export const scwPgwSmtpBlocked = stackPolicy<Config>(
  {
    name: "scw-pgw-smtp-blocked",
    description: "The SMTP relay the fleet uses listens on a port its Scaleway Public Gateway lets through (25, 465, 587 and 2525 are blocked unless SMTP is enabled on the gateway).",
    severity: "critical",
    remediationSteps:
      "Use a relay port the gateway lets through (Scaleway TEM: 2587 with STARTTLS, or 2465), or set enableSmtp: true on the network.PublicGateway knowingly (Brevo listens on 587, 2525 and 465 only).",
    url: SCALEWAY_PUBLIC_GATEWAY_SMTP.source,
    configSchema: {
      properties: {
        smtpClientTypes: {
          type: "array",
          items: { type: "string" },
          default: ["renfort:email:Email"],
          description: "Resource types whose smtpHost / smtpPort inputs name the relay the fleet connects to.",
        },
      },
    },
  },
  ({ ofType, config, report }) => {
    const clients = ofType(config.smtpClientTypes).filter((r) => r.props.smtpPort !== undefined);
    if (!clients.length) return;
    for (const gw of ofType(PUBLIC_GATEWAY_TYPES)) {
      const enableSmtp = gw.props.enableSmtp;
      if (isUnknown(enableSmtp)) undecided(`enableSmtp of ${gw.name} is not known before deployment`);
      if (enableSmtp === true) continue;
      for (const c of clients) {
        const port = c.props.smtpPort;
        if (isUnknown(port) || typeof port !== "number") undecided(`the SMTP port of ${c.name} is not known before deployment`);
        if (gatewayBlocksSmtpPort(port as number))
          report(
            `${c.name} sends through ${String(c.props.smtpHost)}:${String(port)}, a port the Public Gateway ${gw.name} blocks while enableSmtp is not true (blocked: ${SCALEWAY_PUBLIC_GATEWAY_SMTP.blockedPorts.join(", ")}): no email leaves. Use a port it lets through (TEM: 2587) or enable SMTP on the gateway (${SCALEWAY_PUBLIC_GATEWAY_SMTP.source}).`,
            gw.urn,
          );
      }
    }
  },
);
