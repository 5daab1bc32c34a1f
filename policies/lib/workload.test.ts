import { imageRefs, plainEnvFromCloudInit, secretReason } from "./workload";
import { IMAGE, SECRET_VALUE, fx } from "../testing/fixtures";

describe("workload", () => {
  test("reads the plain env block only", () => {
    expect(plainEnvFromCloudInit(fx.cloudInit())).toEqual({ NODE_ENV: "production", PORT: "8080", PG_POOL_SIZE: "20" });
    expect(plainEnvFromCloudInit("#cloud-config\n")).toBeUndefined();
  });
  test.each([
    [`docker pull ${IMAGE}`, [IMAGE]],
    ["docker run -d -p 80:80 nginx:latest", ["nginx:latest"]],
    ["image: ghcr.io/acme/app:1.2", ["ghcr.io/acme/app:1.2"]],
    ["curl -fsSL https://get.docker.com/install.sh", []],
    ["apt-get install -y deb.debian.org/debian", []],
  ])("finds image refs in %s", (text, refs) => {
    expect(imageRefs(text).map((r) => r.ref)).toEqual(refs);
  });
  test.each([
    ["DATABASE_PASSWORD", "x", "has a secret-like name"],
    ["DATABASE_URL", "postgres://app:pw@db:5432/app", "is a URL with embedded credentials"],
    ["SOMETHING", SECRET_VALUE.replace(/[#!]/g, "a"), "has a high-entropy value"],
    ["TLS", "-----BEGIN PRIVATE KEY-----\nabc", "holds a private key"],
    ["NODE_ENV", "production", undefined],
    ["PG_POOL_SIZE", "20", undefined],
    ["DATABASE_URL", "postgres://db:5432/app", undefined],
  ])("secretReason(%s)", (k, v, reason) => {
    expect(secretReason(k, v, [])).toBe(reason);
  });
});
