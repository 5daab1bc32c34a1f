/**
 * A private CA and a server certificate signed by it, made with openssl (Debian's), for the campaign's
 * HTTPS tests: the generator must verify the target with --ca-file and a server name other than the
 * address it connects to, as against the twin.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { scratchDir } from "../../../testing/scratch";

export interface TestPki {
  dir: string;
  caFile: string;
  ca: Buffer;
  key: Buffer;
  cert: Buffer;
}

export function makeTestPki(serverName: string, ip: string): TestPki {
  const dir = scratchDir("renfort-loadtest-pki-");
  const f = (n: string): string => join(dir, n);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  execFileSync("openssl", ["req", "-x509", ...ec, "-keyout", f("ca.key"), "-out", f("ca.pem"), "-subj", "/CN=Renfort test CA", "-days", "2"], { stdio: "ignore" });
  execFileSync("openssl", ["req", ...ec, "-keyout", f("server.key"), "-out", f("server.csr"), "-subj", `/CN=${serverName}`], { stdio: "ignore" });
  writeFileSync(f("ext.cnf"), `subjectAltName=DNS:${serverName},IP:${ip}\n`);
  execFileSync("openssl", ["x509", "-req", "-in", f("server.csr"), "-CA", f("ca.pem"), "-CAkey", f("ca.key"), "-CAcreateserial", "-out", f("server.pem"), "-days", "2", "-extfile", f("ext.cnf")], { stdio: "ignore" });
  return { dir, caFile: f("ca.pem"), ca: readFileSync(f("ca.pem")), key: readFileSync(f("server.key")), cert: readFileSync(f("server.pem")) };
}
