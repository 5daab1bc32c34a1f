/**
 * Lets an unmodified Node tool (npm run loadtest) reach the twin by the stack's real host names: loaded with
 * `NODE_OPTIONS=--require tools/twin/connect-preload.cjs`, it sends connections for the host names in
 * RENFORT_TWIN_HOSTS (JSON `{ "<host>": "<address>[:<port>]" }`) to the twin's address (and port, when the
 * twin runs its ports shifted, so URLs keep the standard port and Host header), keeps the host name for TLS
 * (SNI and certificate check) and the Host header, and, with RENFORT_TWIN_SOURCE set, connects from that
 * local address (a Cloudflare stand-in, to pass the origin lock). It stands in for the DNS the real
 * visitors use. The twin's CA is trusted with NODE_EXTRA_CA_CERTS.
 * Hand-written because no resolver override reaches undici's sockets without changing the tool.
 */
"use strict";
const net = require("node:net");
const tls = require("node:tls");

const hosts = JSON.parse(process.env.RENFORT_TWIN_HOSTS || "{}");
const source = process.env.RENFORT_TWIN_SOURCE || undefined;

function redirect(args) {
  const options = args[0];
  if (!options || typeof options !== "object" || !(options.host in hosts)) return args;
  const host = options.host;
  const [address, port] = String(hosts[host]).split(":");
  const rewritten = { ...options, host: address, servername: options.servername || host };
  if (port) rewritten.port = Number(port);
  if (source && rewritten.localAddress == null) rewritten.localAddress = source;
  return [rewritten, ...args.slice(1)];
}

for (const [mod, names] of [
  [net, ["connect", "createConnection"]],
  [tls, ["connect"]],
]) {
  for (const name of names) {
    const original = mod[name];
    mod[name] = function (...args) {
      return original.apply(this, redirect(args));
    };
  }
}
