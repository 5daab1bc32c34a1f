/**
 * The app's runtime switches that ops flip through stack config. See app/README.md for the app's own env.
 */
import { z } from "zod";

export const appSchema = z
  .strictObject({
    /** Keep volunteer signup only and answer 503 elsewhere: the mode a new database starts in (afterwards the switch is a database row, `npm run ops -- degraded`). */
    degradedMode: z.boolean().default(false),
    /** Log level of the app. */
    logLevel: z.enum(["fatal", "error", "warn", "info", "debug"]).default("info"),
  })
  .prefault({});
export type AppConfig = z.infer<typeof appSchema>;
