// Times aws-jwt-verify (Node) on the fixture the Go benchmarks use (same keys, equivalent
// tokens): warm JWKS cache, synchronous verification with the same checks (iss, aud list,
// exp/nbf, tenant claim). Prints one line per algorithm: ns/op.
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

for (const [alg, token] of Object.entries(fx.tokens)) {
  for (let i = 0; i < 2000; i++) verifier.verifySync(token); // warm up the JIT
  const n = 20000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) verifier.verifySync(token);
  const ns = Number(process.hrtime.bigint() - t0) / n;
  console.log(`aws-jwt-verify ${alg}\t${ns.toFixed(0)} ns/op (verification only; the Go figure is a whole decision: verify + policy + log)`);
}
