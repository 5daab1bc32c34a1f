/**
 * The Email component of the prod stack, evaluated under the platform mocks with the committed
 * Pulumi.prod.yaml and explicit providers as stacks/platform.ts creates them.
 */
import type { PlanResource, ProgramRun } from "../../tools/plan/harness";
import { MOCK_TEM_DKIM_PUBLIC_KEY } from "../../tools/plan/mocks";
import { committedStack, evaluateStack, withProviders } from "../../tools/plan/testing";
import { isSecret, redactSecrets, unwrapSecrets } from "../../tools/plan/values";
import { createEmail } from "./email";
import { TEM_SMTP_PERMISSION_SET } from "../../components/email/index";
import { emailVerdict } from "../../tools/plan/email/verdict";
import { installDnsGuard } from "../../tools/plan/email/testing/dns-guard";

// The platform mocks echo inputs for IAM API keys; a real key also has a secret key (the SMTP password).
// Until tools/plan/mocks.ts gives `scaleway:iam/apiKey:ApiKey` computed outputs, add them here.
jest.mock("../../tools/plan/mocks", () => {
  const actual = jest.requireActual("../../tools/plan/mocks");
  return {
    ...actual,
    platformMocks: () => {
      const base = actual.platformMocks();
      return {
        call: base.call,
        newResource(args: { type: string; name: string }) {
          const r = base.newResource(args);
          if (args.type !== "scaleway:iam/apiKey:ApiKey") return r;
          return { ...r, state: { ...r.state, accessKey: "SCWMOCKACCESSKEY000", secretKey: actual.stableUuid("iam-secret-key", args.name) } };
        },
      };
    },
  };
});

const prod = committedStack("prod");
const cfg = prod.config;
const DOMAIN = "mail.renfort-benevoles.fr";
const PROJECT = cfg.scaleway.projectId;

let run: ProgramRun;
let byName: Record<string, PlanResource>;
const guard = installDnsGuard();

beforeAll(async () => {
  run = await evaluateStack(prod, () => {
    const email = createEmail(cfg, withProviders(cfg));
    return { email: { domain: cfg.email.domain, sender: cfg.email.sender, smtpUrl: email.smtpUrl, records: email.records } };
  });
  byName = Object.fromEntries(run.resources.map((r) => [r.name, r]));
});
afterAll(() => guard.restore());

const email = () => run.outputs.email as { smtpUrl: unknown; records: unknown };
/** The plan's verdict over what the component exported, as `npm run plan` computes it. */
const verdictOf = (exported: unknown) => emailVerdict(exported, { tier: "prod", zone: cfg.domain.zone });

describe("Email component, prod stack", () => {
  it("uses the sending domain from config (mail.<zone>)", () => {
    expect(cfg.email.domain).toBe(DOMAIN);
  });

  it("declares the TEM domain, its validation, the four records and the SMTP identity, all under the component", () => {
    const component = byName["renfort-email"];
    expect(component.type).toBe("renfort:email:Email");
    const children = run.resources.filter((r) => r.parent === component.urn).map((r) => [r.name, r.type]);
    expect(children.sort()).toEqual(
      [
        ["renfort-email-tem-domain", "scaleway:tem/domain:Domain"],
        ["renfort-email-tem-validation", "scaleway:tem/domainValidation:DomainValidation"],
        ["renfort-email-spf", "cloudflare:index/dnsRecord:DnsRecord"],
        [`renfort-email-dkim-${PROJECT}`, "cloudflare:index/dnsRecord:DnsRecord"],
        ["renfort-email-dmarc", "cloudflare:index/dnsRecord:DnsRecord"],
        ["renfort-email-mx", "cloudflare:index/dnsRecord:DnsRecord"],
        ["renfort-email-smtp-app", "scaleway:iam/application:Application"],
        ["renfort-email-smtp-policy", "scaleway:iam/policy:Policy"],
        ["renfort-email-smtp-key", "scaleway:iam/apiKey:ApiKey"],
      ].sort(),
    );
  });

  it("creates the TEM domain with acceptTos in the configured region", () => {
    expect(byName["renfort-email-tem-domain"].inputs).toMatchObject({ name: DOMAIN, acceptTos: true, region: "fr-par", projectId: PROJECT, autoconfig: false });
    expect(byName["renfort-email-tem-domain"].provider).toMatch(/pulumi:providers:scaleway::renfort-scaleway::/);
  });

  it("declares SPF, DKIM, DMARC and MX with TEM's values in the prod zone", () => {
    const zoneId = cfg.edge.zoneId;
    const dns = (n: string) => byName[n].inputs;
    expect(dns("renfort-email-spf")).toMatchObject({ zoneId, name: DOMAIN, type: "TXT", content: '"v=spf1 include:_spf.tem.scaleway.com -all"', ttl: 3600, proxied: false });
    const dkim = dns(`renfort-email-dkim-${PROJECT}`);
    // The mocked TEM domain answers with its own project id in the selector, as the real one does with ours.
    expect(dkim).toMatchObject({ zoneId, type: "TXT", ttl: 3600 });
    expect(dkim.name).toMatch(new RegExp(`^[0-9a-f-]+\\._domainkey\\.${DOMAIN.replace(/\./g, "\\.")}$`));
    const chunks = String(dkim.content).match(/"[^"]*"/g) ?? [];
    expect(chunks.length).toBe(2);
    expect(chunks.every((c) => c.length - 2 <= 255)).toBe(true);
    expect(chunks.map((c) => c.slice(1, -1)).join("")).toBe(`v=DKIM1; h=sha256; k=rsa; p=${MOCK_TEM_DKIM_PUBLIC_KEY}`);
    expect(dns("renfort-email-dmarc")).toMatchObject({
      zoneId,
      name: `_dmarc.${DOMAIN}`,
      type: "TXT",
      content: '"v=DMARC1; p=quarantine; sp=quarantine; np=quarantine; adkim=r; aspf=r; rua=mailto:dmarc@renfort-benevoles.fr"',
      ttl: 3600,
    });
    expect(dns("renfort-email-mx")).toMatchObject({ zoneId, name: DOMAIN, type: "MX", content: "blackhole.tem.scaleway.com", priority: 10, ttl: 3600 });
    for (const n of ["renfort-email-spf", `renfort-email-dkim-${PROJECT}`, "renfort-email-dmarc", "renfort-email-mx"]) {
      expect(byName[n].provider).toMatch(/pulumi:providers:cloudflare::renfort-cloudflare::/);
      expect(String(byName[n].inputs.name)).not.toMatch(/\.$/);
    }
  });

  it("asks TEM to validate only after the four records exist", () => {
    const validation = byName["renfort-email-tem-validation"];
    expect(validation.dependsOn).toEqual(expect.arrayContaining(["renfort-email-spf", `renfort-email-dkim-${PROJECT}`, "renfort-email-dmarc", "renfort-email-mx"].map((n) => byName[n].urn)));
    expect(validation.inputs).toMatchObject({ region: "fr-par", timeout: 3000 });
  });

  it("gives the app an SMTP-only key: policy on the project with the SMTP permission set, key after the policy", () => {
    expect(byName["renfort-email-smtp-policy"].inputs).toMatchObject({
      rules: [{ projectIds: [PROJECT], permissionSetNames: [TEM_SMTP_PERMISSION_SET] }],
    });
    expect(byName["renfort-email-smtp-key"].dependsOn).toContain(byName["renfort-email-smtp-policy"].urn);
    expect(byName["renfort-email-smtp-app"].inputs.name).toBe("renfort-smtp-mail-renfort-benevoles-fr");
  });

  it("exports smtpUrl as a secret: smtp://<project id>:<secret key>@smtp.tem.scaleway.com:2587?requireTLS=true (TEM port the Public Gateway lets through)", () => {
    expect(isSecret(email().smtpUrl)).toBe(true);
    expect(unwrapSecrets(email().smtpUrl)).toMatch(new RegExp(`^smtp://${PROJECT}:[0-9a-f-]{36}@smtp\\.tem\\.scaleway\\.com:2587\\?requireTLS=true$`));
    const secretKey = String(unwrapSecrets(email().smtpUrl)).split(":")[2].split("@")[0];
    expect(JSON.stringify(redactSecrets(run))).not.toContain(secretKey);
  });

  it("exports the records as plain data", () => {
    expect(isSecret(email().records)).toBe(false);
    const records = email().records as { key: string; purpose: string; name: string; type: string; content: string; priority?: number; ttl: number }[];
    expect(records.map((r) => [r.key.replace(/^dkim-.*/, "dkim-<selector>"), r.purpose, r.type, r.name.replace(/^[0-9a-f-]+\._domainkey/, "<selector>._domainkey")])).toEqual([
      ["spf", "spf", "TXT", DOMAIN],
      ["dkim-<selector>", "dkim", "TXT", `<selector>._domainkey.${DOMAIN}`],
      ["dmarc", "dmarc", "TXT", `_dmarc.${DOMAIN}`],
      ["mx", "mx", "MX", DOMAIN],
    ]);
    expect(records[3]).toMatchObject({ content: "blackhole.tem.scaleway.com", priority: 10, ttl: 3600 });
  });

  it("exports records the plan's verdict passes in prod", async () => {
    const v = await verdictOf(email());
    if (!v) throw new Error("the plan found no email records to judge");
    expect(v.ok).toBe(true);
    expect(v.problems).toEqual([]);
    expect(v.tier).toBe("prod");
    expect(v.spf).toEqual({ lookups: 1, limit: 10, voidLookups: 0, result: "fail" });
    expect(v.checks.filter((c) => c.level === "error").every((c) => c.ok)).toBe(true);
    expect(v.checks.map((c) => c.check)).toEqual(expect.arrayContaining(["spf-single", "spf-lookups", "dkim-key", "dkim-receiver", "dmarc-policy", "mx", "sender"]));
  });

  it("runs as a preview, with the names and types of SPF, DMARC and MX as literals", async () => {
    const preview = await evaluateStack(prod, () => {
      const e = createEmail(cfg, withProviders(cfg));
      return { email: { domain: cfg.email.domain, sender: cfg.email.sender, records: e.records } };
    }, { preview: true });
    const p = Object.fromEntries(preview.resources.map((r) => [r.name, r.inputs]));
    expect(p["renfort-email-spf"]).toMatchObject({ name: DOMAIN, type: "TXT" });
    expect(p["renfort-email-dmarc"]).toMatchObject({ name: `_dmarc.${DOMAIN}`, type: "TXT" });
    expect(p["renfort-email-mx"]).toMatchObject({ name: DOMAIN, type: "MX" });
    // The mock monitor answers computed outputs in a preview too, so the plan judges them; with the real
    // engine the records are unknown until TEM has answered, and the plan shows no verdict.
    expect((await verdictOf(preview.outputs.email))?.ok).toBe(true);
  });

  it("never touched the network", () => {
    expect(guard.calls).toEqual([]);
  });
});
