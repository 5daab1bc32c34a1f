import { buildBundle } from "../scripts/build";

/** Build dist/server.js once: the bundle tests spawn exactly what the Dockerfile ships. */
export default async function globalSetup(): Promise<void> {
  await buildBundle();
}
