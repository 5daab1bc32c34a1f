/**
 * The twin's certificate authority: one CA made at `up`, standing for every issuer the real platform
 * relies on (Cloudflare Origin CA for the load balancers' main-host certificate, Let's Encrypt for the
 * apex, Scaleway's database CA, the public CA of the SMTP relay). Made with the openssl CLI (Debian's
 * openssl, already needed by HAProxy) rather than a JavaScript library: one short command per file.
 * https://docs.openssl.org/3.0/man1/openssl-req/
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Ca {
  cert: string;
  key: string;
}

export interface Issued {
  cert: string;
  key: string;
  /** Certificate, CA, then key in one file (HAProxy's `crt`). */
  bundle: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"], timeout: 30_000 });
}

export function makeCa(dir: string, commonName = "Renfort twin CA"): Ca {
  const cert = join(dir, "ca.pem");
  const key = join(dir, "ca.key");
  openssl(
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", "30", "-subj", `/CN=${commonName}`,
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
    dir,
  );
  return { cert, key };
}

/** A server certificate for `names` (DNS names and IP addresses) signed by the twin's CA. */
export function issue(dir: string, ca: Ca, fileStem: string, names: string[]): Issued {
  if (names.length === 0) throw new Error(`certificate ${fileStem}: no host name to issue it for`);
  const key = join(dir, `${fileStem}.key`);
  const csr = join(dir, `${fileStem}.csr`);
  const cert = join(dir, `${fileStem}.pem`);
  const ext = join(dir, `${fileStem}.ext`);
  const san = names.map((n) => (/^\d+\.\d+\.\d+\.\d+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
  writeFileSync(ext, `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`);
  openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", csr, "-subj", `/CN=${names[0]}`], dir);
  openssl(["x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial", "-out", cert, "-days", "30", "-extfile", ext], dir);
  const bundle = join(dir, `${fileStem}.bundle.pem`);
  writeFileSync(bundle, readFileSync(cert, "utf8") + readFileSync(ca.cert, "utf8") + readFileSync(key, "utf8"), { mode: 0o600 });
  return { cert, key, bundle };
}
