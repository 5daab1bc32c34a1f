import { scwLbCertCoversHost as policy } from "./scw-lb-cert-covers-host";
import { HOST, fx, mutate } from "../../testing/fixtures";
import { expectPass, expectUndecided, expectViolation } from "../../testing/check";

const base = () => [fx.lbIp(1), fx.lbIp(2), fx.lb(), ...fx.appRecords(), fx.originCert(), fx.lbCert()];
const swap = (name: string, r: ReturnType<typeof fx.lbCert>) => base().map((x) => (x.name === name ? r : x));

describe("scw-lb-cert-covers-host", () => {
  test("passes when the Origin CA certificate names the proxied host", () => expectPass(policy, base()));
  test("passes with a Let's Encrypt certificate naming the host", () =>
    expectPass(policy, swap("lb-cert", { ...mutate(fx.lbCert(), "letsencrypt", { commonName: HOST }), dependencies: [] })));
  test("passes with a wildcard", () => expectPass(policy, swap("origin-cert", mutate(fx.originCert(), "hostnames", ["*.renfort.example.fr"]))));
  test("fails when the certificate names another host", () =>
    expectViolation(policy, swap("origin-cert", mutate(fx.originCert(), "hostnames", ["other.renfort.example.fr"])), `proxied hostname ${HOST} is not on any`));
  test("fails without a certificate", () => expectViolation(policy, base().filter((r) => r.name !== "lb-cert"), "has no certificate"));
  test("is undecided when a custom chain cannot be read, without echoing it", async () => {
    const out = await expectUndecided(policy, swap("lb-cert", { ...fx.lbCert(), dependencies: [] }));
    expect(out.map((o) => o.message).join()).not.toContain("secret-chain");
  });
});
