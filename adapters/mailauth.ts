/**
 * The one place that reaches into mailauth's internal modules (`mailauth/lib/*`): the SPF and DMARC
 * evaluators and two receiver-side helpers without typings (the DKIM key fetch and the DMARC record
 * fetch). The offline plan's email verdict (tools/plan/email) and the policy pack use them, each with
 * an in-memory resolver; the Pulumi program itself does not. Checked against CHECKED_VERSION by adapters/adapters.test.ts.
 * Source: https://github.com/postalsys/mailauth/tree/master/lib
 */
/* eslint-disable @typescript-eslint/no-require-imports */
export { dmarc } from "mailauth/lib/dmarc";
export { spf } from "mailauth/lib/spf";

/** The mailauth version these internal shapes were read from. */
export const CHECKED_VERSION = "4.13.3";

/** mailauth's resolver contract: `dns.promises.resolve` with a name and a record type. */
export type Resolver = (name: string, type: string) => Promise<unknown>;

/** `lib/tools` `getPublicKey`: fetches and parses a DKIM key record, refusing keys under `minBitLength`. */
export const getPublicKey = (
  require("mailauth/lib/tools") as {
    getPublicKey(type: "DKIM", name: string, minBitLength: number, resolver: Resolver): Promise<{ modulusLength?: number; rr: string }>;
  }
).getPublicKey;

/** `lib/dmarc/get-dmarc-record`: the DMARC record of a domain (or its organizational domain), or false. */
export const getDmarcRecord = require("mailauth/lib/dmarc/get-dmarc-record") as (
  domain: string,
  resolver: Resolver,
) => Promise<false | { p?: string; rr: string; isOrgRecord: boolean }>;
