/**
 * The app's runtime switches that ops flip through stack config. See app/README.md for the app's own env.
 */
import { z } from "zod";

export const appSchema = z
  .strictObject({
    /** Keep volunteer signup only and answer 503 elsewhere (re-read on SIGHUP, no rebuild). */
    degradedMode: z.boolean().default(false),
    /** Log level of the app. */
    logLevel: z.enum(["fatal", "error", "warn", "info", "debug"]).default("info"),
  })
  .prefault({});
export type AppConfig = z.infer<typeof appSchema>;
