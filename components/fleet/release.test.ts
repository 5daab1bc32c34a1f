import { groupCapacity, releaseId, secretsFingerprint } from "./release";

const IMAGE = `rg.fr-par.scw.cloud/renfort-prod/renfort-app@sha256:${"ab".repeat(32)}`;
const ENV = { PORT: "8080", DEGRADED_MODE: "off", LOG_LEVEL: "info" };

describe("releaseId", () => {
  it("is 10 hex digits, stable for the same image and env whatever the key order", () => {
    const id = releaseId({ image: IMAGE, plainEnv: ENV });
    expect(id).toMatch(/^[0-9a-f]{10}$/);
    expect(releaseId({ image: IMAGE, plainEnv: { LOG_LEVEL: "info", DEGRADED_MODE: "off", PORT: "8080" } })).toBe(id);
  });
  it.each([
    ["another digest", { image: IMAGE.replace(/ab/g, "cd"), plainEnv: ENV }],
    ["another env value", { image: IMAGE, plainEnv: { ...ENV, LOG_LEVEL: "debug" } }],
    ["an added env variable", { image: IMAGE, plainEnv: { ...ENV, EXTRA: "1" } }],
  ])("changes with %s", (_label, facts) => {
    expect(releaseId(facts)).not.toBe(releaseId({ image: IMAGE, plainEnv: ENV }));
  });
  it("refuses an image not pinned by digest", () => {
    expect(() => releaseId({ image: "rg.fr-par.scw.cloud/renfort-prod/renfort-app:latest", plainEnv: ENV })).toThrow("pinned by digest");
  });
});

describe("secretsFingerprint", () => {
  const secrets = { DATABASE_URL: "postgres://app:pw-7f3a9c@10.0.0.2/renfort", ADMIN_TOKEN: "tok-5e1d" };
  it("is 12 hex digits that never contain the secret and change when a secret rotates", () => {
    const fp = secretsFingerprint(secrets);
    expect(fp).toMatch(/^[0-9a-f]{12}$/);
    for (const v of Object.values(secrets)) expect(v).not.toContain(fp);
    expect(secretsFingerprint({ ...secrets, ADMIN_TOKEN: "tok-5e1e" })).not.toBe(fp);
  });
});

describe("groupCapacity", () => {
  it.each([
    // min, max, groups → per group
    [6, 12, 2, { minReplicas: 3, maxReplicas: 6 }],
    [7, 12, 2, { minReplicas: 4, maxReplicas: 6 }],
    [1, 3, 2, { minReplicas: 1, maxReplicas: 1 }],
    [6, 12, 1, { minReplicas: 6, maxReplicas: 12 }],
    [2, 2, 2, { minReplicas: 1, maxReplicas: 1 }],
  ])("spreads min %i / max %i over %i groups", (minInstances, maxInstances, groups, expected) => {
    expect(groupCapacity({ minInstances, maxInstances }, groups)).toEqual(expected);
  });
  it("refuses zero groups", () => {
    expect(() => groupCapacity({ minInstances: 1, maxInstances: 2 }, 0)).toThrow("at least one load balancer");
  });
});
