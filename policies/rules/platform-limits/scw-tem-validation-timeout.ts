import { resourcePolicy } from "../../lib/policy";
import { isUnknown, undecided } from "../../lib/unknown";

export interface Config {
  minTimeoutSeconds: number;
}

/**
 * terraform-provider-scaleway's `scaleway_tem_domain_validation` polls TEM's check for `timeout` seconds
 * (default 300) inside a create context of 60 minutes (`defaultDomainValidationTimeout`), then fails with
 * "domain validation did not complete". TEM checks on its own schedule once the records exist, so a short
 * wait fails a first deployment whose records are right; a wait beyond the context is cut by it.
 * Source: internal/services/tem/domain_validation.go and helpers.go.
 */
const PROVIDER_CREATE_TIMEOUT_SECONDS = 3600;

export const scwTemValidationTimeout = resourcePolicy<Config>(
  {
    name: "scw-tem-validation-timeout",
    description: "Every Scaleway TEM domain validation waits long enough for TEM's check (at least the configured minimum) and no longer than the provider's 60-minute create timeout.",
    severity: "high",
    remediationSteps: "Set timeout on the tem.DomainValidation between the configured minimum (1800 s by default) and 3600 s; the email component's default is 3000 s.",
    url: "https://github.com/scaleway/terraform-provider-scaleway/blob/master/internal/services/tem/domain_validation.go",
    configSchema: {
      properties: {
        minTimeoutSeconds: { type: "number", default: 1800, description: "Shortest accepted wait for TEM's check, seconds." },
      },
    },
  },
  ["scaleway:tem/domainValidation:DomainValidation", "scaleway:index/temDomainValidation:TemDomainValidation"],
  ({ props, config, report }) => {
    const t = props.timeout;
    if (isUnknown(t)) undecided("timeout of the TEM domain validation is not known before deployment");
    const timeout = typeof t === "number" ? t : 300;
    const given = typeof t === "number" ? `timeout ${timeout} s` : "no timeout (the provider's default, 300 s)";
    if (timeout < config.minTimeoutSeconds)
      report(`${given} is shorter than ${config.minTimeoutSeconds} s: TEM may not have checked the records yet, and the validation fails a correct first deployment. Set timeout to at least ${config.minTimeoutSeconds}.`);
    if (timeout > PROVIDER_CREATE_TIMEOUT_SECONDS)
      report(`${given} is longer than the provider's ${PROVIDER_CREATE_TIMEOUT_SECONDS} s create timeout, which cuts the wait first: set timeout to at most ${PROVIDER_CREATE_TIMEOUT_SECONDS}.`);
  },
);
