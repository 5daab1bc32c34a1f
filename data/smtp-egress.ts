/**
 * Which SMTP ports the fleet's egress lets through, and which ports each relay listens on: one copy, read by
 * the program (components/email picks the relay port, stacks/platform opens the gateway only when needed) and
 * by the policy pack (`scw-pgw-smtp-blocked`).
 *
 * Verified in the providers' documentation (2026-12-06):
 * - Scaleway Public Gateways block 25, 465, 587 and 2525 unless SMTP is enabled on the gateway:
 *   https://www.scaleway.com/en/docs/public-gateways/how-to/configure-a-public-gateway/#how-to-enable-smtp
 *   (`enable_smtp` on the gateway: https://registry.terraform.io/providers/scaleway/scaleway/latest/docs/resources/vpc_public_gateway).
 * - Scaleway Transactional Email listens on 25, 587 and 2587 (STARTTLS) and 465 and 2465 (implicit TLS); an
 *   encrypted connection is mandatory:
 *   https://www.scaleway.com/en/docs/transactional-email/reference-content/smtp-configuration/
 *   The provider exports the same as `smtp_port` / `smtp_port_alternative` / `smtps_port` /
 *   `smtps_port_alternative` (constants of scaleway-sdk-go's tem API, set in
 *   terraform-provider-scaleway internal/services/tem/domain.go).
 * - Brevo's relay listens on 587 and 2525 (STARTTLS) and 465 (implicit TLS):
 *   https://developers.brevo.com/docs/smtp-integration
 */
export const SCALEWAY_PUBLIC_GATEWAY_SMTP = {
  blockedPorts: [25, 465, 587, 2525] as readonly number[],
  source: "https://www.scaleway.com/en/docs/public-gateways/how-to/configure-a-public-gateway/#how-to-enable-smtp",
  takenAt: "2026-12-06",
};

export interface SmtpRelay {
  host: string;
  /** Ports that take STARTTLS (the app's URL is `smtp://…?requireTLS=true`). */
  starttlsPorts: readonly number[];
  /** Ports that start TLS at connect (`smtps://`). */
  implicitTlsPorts: readonly number[];
  source: string;
}

export const SMTP_RELAYS: Record<"scaleway-tem" | "brevo", SmtpRelay> = {
  "scaleway-tem": {
    host: "smtp.tem.scaleway.com",
    starttlsPorts: [587, 2587],
    implicitTlsPorts: [465, 2465],
    source: "https://www.scaleway.com/en/docs/transactional-email/reference-content/smtp-configuration/",
  },
  brevo: {
    host: "smtp-relay.brevo.com",
    starttlsPorts: [587, 2525],
    implicitTlsPorts: [465],
    source: "https://developers.brevo.com/docs/smtp-integration",
  },
};

/** True when a Public Gateway without SMTP enabled drops connections to `port`. */
export function gatewayBlocksSmtpPort(port: number): boolean {
  return SCALEWAY_PUBLIC_GATEWAY_SMTP.blockedPorts.includes(port);
}

/**
 * The STARTTLS port of a relay that passes a Public Gateway with SMTP left blocked, or undefined when the
 * relay has none (then SMTP must be enabled on the gateway).
 */
export function unblockedStarttlsPort(relay: SmtpRelay): number | undefined {
  return relay.starttlsPorts.find((p) => !gatewayBlocksSmtpPort(p));
}
