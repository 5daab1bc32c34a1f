import { scwLbCertCoversHost as policy } from "./scw-lb-cert-covers-host";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { HOST, SECRET_VALUE, fx, mutate, urnOf } from "../../testing/fixtures";
import type { GateResource } from "../../lib/run";
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

  // A self-signed test certificate for app.renfort.example.fr and static.renfort.example.fr (its key was discarded),
  // followed by a private key block as Scaleway's certificateChain carries it.
  const chain = (pem: string) => `${pem}-----BEGIN PRIVATE KEY-----\n${SECRET_VALUE}\n-----END PRIVATE KEY-----\n`;
  const pem = readFileSync(join(__dirname, "../../testing/data/self-signed-app.pem"), "utf8");
  test("passes when a custom certificate's SANs name the host", () =>
    expectPass(policy, swap("lb-cert", { ...mutate(fx.lbCert(), "customCertificate.certificateChain", chain(pem)), dependencies: [] })));
  test("fails when a custom certificate names other hosts, without echoing the chain", async () => {
    const records = [fx.lbIp(1), fx.lbIp(2), fx.lb(), mutate(fx.appRecords()[0], "name", "www.renfort.example.fr"), fx.originCert()];
    const cert = { ...mutate(fx.lbCert(), "customCertificate.certificateChain", chain(pem)), dependencies: [] };
    const out = await expectViolation(policy, [...records, cert], "www.renfort.example.fr is not on any load balancer certificate (app.renfort.example.fr");
    expect(out.map((o) => o.message).join()).not.toContain("BEGIN");
  });

  // The apex's DNS-01 certificate: the chain is a secret computed from an ACME order; the order names the hosts.
  const ACME = "acme:index/certificate:Certificate";
  const order = (commonName: string): GateResource => ({
    urn: urnOf(ACME, "apex-certificate"),
    type: ACME,
    name: "apex-certificate",
    props: { commonName, keyType: "2048" },
    protect: false,
    dependencies: [],
  });
  const fromOrder = () => ({ ...fx.lbCert(), dependencies: [urnOf("scaleway:loadbalancers/loadBalancer:LoadBalancer", "lb"), urnOf(ACME, "apex-certificate")] });
  const withoutOriginCa = () => base().filter((r) => r.name !== "origin-cert" && r.name !== "lb-cert");
  test("reads the names of a custom certificate from the ACME order it came from", () => expectPass(policy, [...withoutOriginCa(), order(HOST), fromOrder()]));
  test("fails when the ACME order names another host", () =>
    expectViolation(policy, [...withoutOriginCa(), order("renfort.gouv.fr"), fromOrder()], `proxied hostname ${HOST} is not on any load balancer certificate (renfort.gouv.fr)`));
});
