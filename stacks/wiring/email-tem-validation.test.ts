/**
 * TEM domain validation that ends with `validated = false` (an invalid, locked or revoked domain: the provider
 * still reports success) stops the program instead of deploying an app whose mail is refused.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { committedStack, evaluateStack, withProviders } from "../../tools/plan/testing";
import { unwrapSecrets } from "../../tools/plan/values";
import { check } from "../../policies/testing/check";
import { scwTemValidationTimeout } from "../../policies/rules/platform-limits/scw-tem-validation-timeout";
import { createEmail } from "./email";
import { DEFAULT_TEM_VALIDATION_TIMEOUT_SECONDS, temValidationProblem } from "../../components/email/index";

const prod = committedStack("prod");

function deploy(preview = false) {
  return evaluateStack(prod, () => ({ smtpUrl: createEmail(prod.config, withProviders(prod.config)).smtpUrl }), { preview });
}

describe("TEM domain validation", () => {
  it("a validation that ends with validated = false fails the program, naming the domain and how to retry", () => {
    // Own process: the SDK reports a throwing apply as the program's unhandled failure, as under `pulumi up`.
    const probe = (validated: boolean) =>
      spawnSync(process.execPath, ["--import", "tsx", join(__dirname, "testing", "tem-validation-probe.ts"), String(validated)], { encoding: "utf8", timeout: 60_000 });
    const refused = probe(false);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/Scaleway TEM did not validate mail\.renfort-benevoles\.fr .*validated = false.*pulumi up --replace 'urn:pulumi:prod::renfort::renfort:email:Email\$scaleway:tem\/domainValidation:DomainValidation::renfort-email-tem-validation'/s);
    const accepted = probe(true);
    expect([accepted.status, accepted.stdout.trim()]).toEqual([0, "smtpUrl resolved: true"]);
  });

  it("a validated domain deploys, with a wait long enough for TEM's check", async () => {
    const run = await deploy();
    const v = run.resources.find((r) => r.type === "scaleway:tem/domainValidation:DomainValidation");
    expect(v?.inputs.timeout).toBe(DEFAULT_TEM_VALIDATION_TIMEOUT_SECONDS);
    expect(await check(scwTemValidationTimeout, { urn: v!.urn, type: v!.type, name: v!.name, props: v!.inputs, protect: false, dependencies: [] })).toEqual([]);
    expect(unwrapSecrets(run.outputs.smtpUrl)).toMatch(/^smtp:\/\/[^:]+:[^@]+@smtp\.tem\.scaleway\.com:2587\?requireTLS=true$/);
  });

  it("a preview, where validated is not known yet, is not refused", async () => {
    await expect(deploy(true)).resolves.toBeDefined();
  });

  it.each([
    [true, undefined],
    [undefined, undefined],
  ])("temValidationProblem(%s) is %s", (validated, expected) => expect(temValidationProblem(validated, "mail.example.fr")).toBe(expected));
  it("temValidationProblem(false) names the domain and the fix", () => expect(temValidationProblem(false, "mail.example.fr")).toMatch(/did not validate mail\.example\.fr.*--replace/s));
});
