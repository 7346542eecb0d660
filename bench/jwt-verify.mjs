// Times aws-jwt-verify (Node) on the fixture the Go benchmarks use (same keys, equivalent
// tokens): the JWKS already cached, synchronous verification with the same checks (iss, aud
// list, exp/nbf, tenant claim). Per algorithm, prints the first use (the first verification in
// this process, one shot: key import and un-JITted code) and the warm cost (after 2,000 calls),
// both wall and CPU time (process.cpuUsage: user + system of the whole process, like the Go
// benchmarks' cpu-ns/op, so the comparison holds on a loaded machine). aws-jwt-verify keeps no
// cache of verified tokens: each warm call verifies the signature again.
// Usage: node bench/jwt-verify.mjs <fixture.json>   (scripts/bench installs aws-jwt-verify)
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(process.env.JWT_VERIFY_PREFIX + "/");
const { JwtVerifier } = require("aws-jwt-verify");

const fx = JSON.parse(readFileSync(process.argv[2], "utf8"));
const jwksUri = "https://jwks.invalid/keys"; // never fetched: the cache is filled below
const verifier = JwtVerifier.create({
  issuer: fx.issuer,
  audience: fx.audience,
  jwksUri,
  customJwtCheck: ({ payload }) => {
    if (payload.tenant !== fx.tenant) throw new Error("wrong tenant");
  },
});
verifier.cacheJwks(fx.jwks);

const cpuNs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
};

for (const [alg, token] of Object.entries(fx.tokens)) {
  let t0 = process.hrtime.bigint();
  verifier.verifySync(token);
  const first = Number(process.hrtime.bigint() - t0);
  for (let i = 0; i < 2000; i++) verifier.verifySync(token); // warm up the JIT
  const n = 20000;
  const c0 = cpuNs();
  t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) verifier.verifySync(token);
  const ns = Number(process.hrtime.bigint() - t0) / n;
  const cpu = (cpuNs() - c0) / n;
  console.log(`aws-jwt-verify ${alg}\tfirst ${first.toFixed(0)} ns\twarm ${ns.toFixed(0)} ns/op\t${cpu.toFixed(0)} cpu-ns/op`);
}
