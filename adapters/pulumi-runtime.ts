/**
 * The one place that reaches into `@pulumi/pulumi`'s internal modules (paths under `runtime/` that the
 * package's public typings do not export). The offline plan needs them to record what the engine would
 * receive; the program needs `isConfigSecret` to tell a secret key from a plain one. Checked against the
 * version in CHECKED_VERSION by adapters/adapters.test.ts, which fails when the pinned version moves.
 * Sources: https://github.com/pulumi/pulumi/tree/master/sdk/nodejs/runtime (settings.ts, state.ts,
 * config.ts, rpc.ts).
 */
/* eslint-disable @typescript-eslint/no-require-imports */
export { specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";

/** The `@pulumi/pulumi` version these internal shapes were read from. */
export const CHECKED_VERSION = "3.276.0";

/** `runtime/settings`: the mock monitor instance and the drain of queued RPCs. */
export const runtimeSettings = require("@pulumi/pulumi/runtime/settings") as {
  getMonitor(): unknown;
  waitForRPCs(): Promise<void>;
};

/** `runtime/state`: the store whose `rpcDone` promise changes each time an RPC is queued. */
export const runtimeState = require("@pulumi/pulumi/runtime/state") as {
  getStore(): { settings: { rpcDone: Promise<unknown> } };
};

/** `runtime/config`: whether the engine marked a config key secret (what `Config.getSecret` consults). */
export const isConfigSecret = (require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean }).isConfigSecret;
