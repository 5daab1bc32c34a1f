/**
 * Test-only: evaluates the prod stack's Email component under the platform mocks with TEM answering
 * `validated = <argv[2]>`, in its own Node process, as the Pulumi Node host runs a program: a throwing apply
 * ends the process with the error on stderr and a non-zero exit. (Inside jest, the SDK's stray rejections
 * would be charged to the test; here they behave as under `pulumi up`.) Used by email-tem-validation.test.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { platformMocks } from "../../../tools/plan/mocks";
import { committedStack, withProviders } from "../../../tools/plan/testing";
import { createEmail } from "../email";

const validated = process.argv[2] === "true";
const prod = committedStack("prod");
pulumi.runtime.setAllConfig(
  Object.fromEntries(Object.entries(prod.file.config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])),
  prod.file.secretKeys,
);
const base = platformMocks();
void pulumi.runtime
  .setMocks(
    {
      call: base.call,
      async newResource(args) {
        const r = await base.newResource(args);
        return args.type === "scaleway:tem/domainValidation:DomainValidation" ? { ...r, state: { ...r.state, validated } } : r;
      },
    },
    "renfort",
    "prod",
    false,
  )
  .then(() => {
    const email = createEmail(prod.config, withProviders(prod.config));
    email.smtpUrl.apply((url) => console.log(`smtpUrl resolved: ${url.length > 0}`));
  });
