import { resourcePolicy } from "../../lib/policy";
import { T } from "../../lib/types";

export interface Config {
  requireProtect: boolean;
}

export const scwDbProtect = resourcePolicy<Config>(
  {
    name: "scw-db-protect",
    description: "The managed PostgreSQL instance is protected, so no update can delete or replace it without an explicit unprotect.",
    severity: "critical",
    remediationSteps: "Declare the databases.Instance with the resource option { protect: true } (the database component's `protect` arg in prod).",
    url: "https://www.pulumi.com/docs/iac/concepts/options/protect/",
    configSchema: {
      properties: { requireProtect: { type: "boolean", default: true, description: "Require the protect option." } },
    },
  },
  T.dbInstance,
  ({ name, opts, config, report }) => {
    if (config.requireProtect && !opts.protect) report(`database ${name} is not protected: add the resource option { protect: true }.`);
  },
);
