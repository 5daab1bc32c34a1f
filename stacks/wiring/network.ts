/**
 * Maps the typed stack config onto the Network component's args (the component never reads config).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { RenfortConfig } from "../config";
import { smtpRelayOf } from "../../components/email/smtp";
import { Network, type NetworkArgs } from "../../components/network/index";

/** The component's args for a stack; pure, so tests can read what each stack asks for. */
export function networkArgsFromConfig(cfg: RenfortConfig): NetworkArgs {
  return {
    region: cfg.scaleway.region,
    zone: cfg.scaleway.zone,
    privateSubnet: cfg.network.privateSubnet,
    egressGatewayType: cfg.network.egressGatewayType,
    // Open the gateway's SMTP ports only when the configured relay listens on no port the gateway lets through.
    enableSmtp: smtpRelayOf(cfg.email.provider).gatewaySmtpRequired,
    resourceName: `renfort-${cfg.tier}`,
    tags: ["renfort", `renfort-tier-${cfg.tier}`],
  };
}

export function createNetwork(cfg: RenfortConfig, opts: pulumi.ComponentResourceOptions): Network {
  return new Network("renfort-network", networkArgsFromConfig(cfg), opts);
}
