/**
 * Boots the pack the way `pulumi preview --policy-pack policies` does (the Pulumi Node.js policy-pack
 * runner: ts-node on index.ts, then the analyzer gRPC server), configures it with a stack's
 * policy-pack config and sends it resources over gRPC. Run: `npm run smoke -w policies`
 * (about 20-40 s: the runner type-checks the pack first). Exits 1 if the pack misbehaves.
 */
import { spawn } from "node:child_process";
import * as grpc from "@grpc/grpc-js";
import prod from "./config/prod.json";
import { compliantStack, find, fx, mutate, replace } from "./testing/fixtures";
import { UNKNOWN } from "./lib/unknown";
import type { GateResource } from "./lib/run";

/* eslint-disable @typescript-eslint/no-require-imports */
const pb = require("@pulumi/pulumi/proto/analyzer_pb");
const rpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
/* eslint-enable @typescript-eslint/no-require-imports */

type Diag = { policy: string; level: number; urn: string; message: string };

function options(r: GateResource) {
  const o = new pb.AnalyzerResourceOptions();
  o.setProtect(r.protect);
  return o;
}

function call<T>(client: grpc.Client, method: string, req: unknown): Promise<T> {
  return new Promise((resolve, reject) =>
    (client as unknown as Record<string, (r: unknown, cb: (e: Error | null, v: T) => void) => void>)[method](req, (e, v) => (e ? reject(e) : resolve(v))),
  );
}

const diags = (resp: { getDiagnosticsList(): { getPolicyname(): string; getEnforcementlevel(): number; getUrn(): string; getMessage(): string }[] }): Diag[] =>
  resp.getDiagnosticsList().map((d) => ({ policy: d.getPolicyname(), level: d.getEnforcementlevel(), urn: d.getUrn(), message: d.getMessage() }));

async function main(): Promise<void> {
  const started = Date.now();
  const child = spawn(process.execPath, [require.resolve("@pulumi/pulumi/cmd/run-policy-pack"), "127.0.0.1:1", "."], { cwd: __dirname });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += String(d)));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on("data", (d) => {
      const m = /^(\d+)\s*$/m.exec(String(d));
      if (m) resolve(Number(m[1]));
    });
    child.on("exit", (code) => reject(new Error(`the pack exited with ${code}: ${stderr}`)));
  });
  console.log(`pack up on port ${port} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const client = new rpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const failures: string[] = [];
  try {
    const cfg = new pb.ConfigureAnalyzerRequest();
    for (const [name, entry] of Object.entries(prod as Record<string, { enforcementLevel: string } & Record<string, unknown>>)) {
      const { enforcementLevel, ...props } = entry;
      const pc = new pb.PolicyConfig();
      pc.setEnforcementlevel(enforcementLevel === "mandatory" ? pb.EnforcementLevel.MANDATORY : pb.EnforcementLevel.ADVISORY);
      pc.setProperties(Struct.fromJavaScript(props));
      cfg.getPolicyconfigMap().set(name, pc);
    }
    await call(client, "configure", cfg);

    const analyze = async (r: GateResource) => {
      const req = new pb.AnalyzeRequest();
      req.setType(r.type);
      req.setUrn(r.urn);
      req.setName(r.name);
      req.setProperties(Struct.fromJavaScript(r.props));
      req.setOptions(options(r));
      return diags(await call(client, "analyze", req));
    };
    const stack = compliantStack();
    const clean = (await Promise.all(stack.map(analyze))).flat();
    if (clean.length) failures.push(`compliant resources produced diagnostics: ${JSON.stringify(clean)}`);

    const badDb = await analyze(mutate(find(stack, "db"), "isHaCluster", false));
    if (!badDb.some((d) => d.policy === "scw-db-ha" && d.level === pb.EnforcementLevel.MANDATORY)) failures.push(`no mandatory scw-db-ha diagnostic: ${JSON.stringify(badDb)}`);

    const pending = await analyze(mutate(fx.dkim(), "content", UNKNOWN));
    if (!pending.some((d) => d.policy === "email-dkim-key" && /can't run policy/.test(d.message)))
      failures.push(`an unknown DKIM key was not reported as "can't run during preview": ${JSON.stringify(pending)}`);

    const analyzeStack = async (resources: GateResource[]) => {
      const req = new pb.AnalyzeStackRequest();
      req.setResourcesList(resources.map(toAnalyzerResource));
      return diags(await call(client, "analyzeStack", req));
    };
    const toAnalyzerResource = (r: GateResource) => {
      const a = new pb.AnalyzerResource();
      a.setType(r.type);
      a.setUrn(r.urn);
      a.setName(r.name);
      a.setProperties(Struct.fromJavaScript(r.props));
      a.setOptions(options(r));
      a.setDependenciesList(r.dependencies);
      return a;
    };
    const broken = replace(stack, mutate(find(stack, "fleet-group"), "capacities.0.minReplicas", 2));
    const stackDiags = await analyzeStack(broken);
    const capacity = stackDiags.filter((d) => d.policy === "fleet-capacity");
    if (capacity.length !== 1 || stackDiags.length !== 1) failures.push(`expected exactly one fleet-capacity diagnostic, got ${JSON.stringify(stackDiags)}`);
    // A policy's own "cannot decide" (UndecidedError) must be reported like a native unknown, not crash the pack.
    const unvendored = replace(stack, mutate(find(stack, "dns-spf-renfort.example.fr"), "content", '"v=spf1 include:_spf.google.com -all"'));
    const undecidedDiags = (await analyzeStack(unvendored)).filter((d) => d.policy === "email-spf-lookups");
    if (!undecidedDiags.some((d) => /can't run policy .* during preview: .*_spf\.google\.com/.test(d.message) && d.level === pb.EnforcementLevel.ADVISORY))
      failures.push(`an undecided stack policy was not reported as "can't run during preview": ${JSON.stringify(undecidedDiags)}`);
    console.log(`analyze: ${stack.length} compliant resources clean; scw-db-ha, email-dkim-key (unknown), fleet-capacity (stack) and email-spf-lookups (undecided) reported as expected: ${failures.length === 0}`);
  } finally {
    client.close();
    child.kill();
  }
  if (failures.length) {
    console.error(failures.join("\n"));
    process.exit(1);
  }
  console.log(`smoke OK in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((e: Error) => {
  console.error(`smoke failed: ${e.message}`);
  process.exit(1);
});
