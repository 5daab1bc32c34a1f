/**
 * The app's runtime switches that ops flip through stack config. See app/README.md for the app's own env.
 */
import { z } from "zod";
import { parseCidr } from "../../app/src/client-ip";

/** A CIDR narrower than a whole address family: the admin API is never internet-wide. */
const operatorCidr = z.string().superRefine((text, ctx) => {
  const c = parseCidr(text);
  if (!c) ctx.addIssue({ code: "custom", message: "must be an IPv4/IPv6 address or CIDR such as 198.51.100.7/32", input: text });
  else if (c.prefix < (c.family === 4 ? 16 : 32)) {
    ctx.addIssue({ code: "custom", message: `must be at most a /${c.family === 4 ? 16 : 32}: the admin API is for the operators' own addresses, never internet-wide`, input: text });
  }
});

export const appSchema = z
  .strictObject({
    /** Keep volunteer signup only and answer 503 elsewhere: the mode a new database starts in (afterwards the switch is a database row, `npm run ops -- degraded`). */
    degradedMode: z.boolean().default(false),
    /** Log level of the app. */
    logLevel: z.enum(["fatal", "error", "warn", "info", "debug"]).default("info"),
    /**
     * Addresses (CIDR) the admin API (`/api/admin/...`) answers, with the admin token: the operators' fixed
     * egress addresses (a VPN, the office). Anyone else gets 403 before the token is even looked at.
     */
    adminAllowedCidrs: z.array(operatorCidr).min(1, "must list the operators' addresses (CIDR): the admin API answers no one else"),
  });
export type AppConfig = z.infer<typeof appSchema>;
