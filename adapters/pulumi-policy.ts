/**
 * The one place that reaches into `@pulumi/policy`'s internal `proxy` module: the unknown-value sentinels
 * and the proxy that throws `UnknownValueError` when a policy reads a value only known after deployment.
 * The offline gate reproduces that behaviour (policies/lib/unknown.ts). Checked against CHECKED_VERSION
 * by adapters/adapters.test.ts. Source: https://github.com/pulumi/pulumi-policy/blob/master/sdk/nodejs/policy/proxy.ts
 */
/* eslint-disable @typescript-eslint/no-require-imports */

/** The `@pulumi/policy` version this internal shape was read from (its package.json says "v1.21.0"). */
export const CHECKED_VERSION = "1.21.0";

/** The parts of `@pulumi/policy/proxy` we use; the module is internal, so its `.d.ts` exports nothing. */
export interface PolicyProxyModule {
  UnknownValueError: new (unknownTypeSentinel: string, props: string[]) => Error;
  unknownCheckingProxy: <T>(toProxy: T) => T;
  unknownBooleanValue: string;
  unknownNumberValue: string;
  unknownStringValue: string;
  unknownArrayValue: string;
  unknownAssetValue: string;
  unknownArchiveValue: string;
  unknownObjectValue: string;
}

export const policyProxy = require("@pulumi/policy/proxy") as PolicyProxyModule;
