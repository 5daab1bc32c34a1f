/**
 * Each adapter reaches into a package's internal modules. These tests fail loudly when the installed
 * version is not the one the adapter was read from, or when an internal shape it relies on has moved:
 * re-read the package's source at the new version, adjust the adapter, then its CHECKED_VERSION.
 */
import { readFileSync } from "node:fs";
import * as mailauth from "./mailauth";
import * as policy from "./pulumi-policy";
import * as runtime from "./pulumi-runtime";

function installedVersion(pkg: string): string {
  const manifest = JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), "utf8")) as { version: string };
  return manifest.version.replace(/^v/, "");
}

describe.each([
  ["@pulumi/pulumi", runtime.CHECKED_VERSION, "adapters/pulumi-runtime.ts"],
  ["@pulumi/policy", policy.CHECKED_VERSION, "adapters/pulumi-policy.ts"],
  ["mailauth", mailauth.CHECKED_VERSION, "adapters/mailauth.ts"],
])("%s", (pkg, checked, adapter) => {
  it(`is the version ${adapter} was checked against`, () => {
    const installed = installedVersion(pkg);
    if (installed !== checked) {
      throw new Error(`${pkg} ${installed} is installed but ${adapter} was checked against ${checked}: re-read its internal modules, adjust the adapter, then CHECKED_VERSION`);
    }
  });
});

describe("@pulumi/pulumi internals", () => {
  it("encodes secrets and unknowns as the engine does", () => {
    expect(runtime.specialSigKey).toBe("4dabf18193072939515e22adb298388d");
    expect(runtime.specialSecretSig).toBe("1b47061264138c4ac30d75fd1eb44270");
    expect(runtime.unknownValue).toBe("04da6b54-80e4-46f7-96ec-b56ff0331ba9");
  });

  it("exposes the monitor, the RPC drain, the store and the secret-key lookup", async () => {
    expect(typeof runtime.runtimeSettings.getMonitor).toBe("function");
    await expect(runtime.runtimeSettings.waitForRPCs()).resolves.toBeUndefined();
    expect(runtime.runtimeState.getStore().settings.rpcDone).toBeInstanceOf(Promise);
    expect(runtime.isConfigSecret("renfort:no-such-key")).toBe(false);
  });
});

describe("@pulumi/policy proxy", () => {
  it("throws UnknownValueError when a policy reads an unknown through the proxy", () => {
    const proxied = policy.policyProxy.unknownCheckingProxy({ known: "a", later: policy.policyProxy.unknownStringValue });
    expect(proxied.known).toBe("a");
    expect(() => proxied.later).toThrow(policy.policyProxy.UnknownValueError);
  });
});

describe("mailauth internals", () => {
  const records: Record<string, string[][]> = {
    "TXT example.org": [["v=spf1 ip4:192.0.2.0/24 -all"]],
    "TXT _dmarc.example.org": [["v=DMARC1; p=reject; rua=mailto:d@example.org"]],
  };
  const resolver = async (name: string, type: string) => {
    const answer = records[`${type} ${name}`];
    if (!answer) throw Object.assign(new Error(`no ${type} ${name}`), { code: "ENOTFOUND" });
    return answer;
  };

  it("evaluates SPF over a given resolver", async () => {
    const result = await mailauth.spf({ sender: "a@example.org", ip: "192.0.2.7", helo: "mx.example.org", resolver } as never);
    expect((result as { status: { result: string } }).status.result).toBe("pass");
  });

  it("fetches the DMARC record over a given resolver", async () => {
    const record = await mailauth.getDmarcRecord("example.org", resolver);
    expect(record && record.p).toBe("reject");
  });

  it("has the DKIM key fetch and the DMARC evaluator", () => {
    expect(typeof mailauth.getPublicKey).toBe("function");
    expect(typeof mailauth.dmarc).toBe("function");
  });
});
