// evaluate.mjs evaluates a batch of IAM requests with @cloud-copilot/iam-simulate, AWS's policy
// evaluation logic (identity policies, permissions boundaries, resource and key policies, every
// condition operator). One process per batch: the Go side (internal/review/access) writes a JSON array of
// requests on stdin and reads a JSON array of verdicts, in the same order, from stdout.
//
// Request:  {id, principal, action, resource, account, context, identityPolicies: [{name, policy}],
//            boundaries: [{name, policy}], resourcePolicy, resourcePolicyName}
// Verdict:  {id, result, errors, ignoredContextKeys, deciding: [{layer, policy, sid, effect}],
//            layers: {identity, boundary, resource}}
//
// The library checks each context key against the action's documented keys and drops the ones it
// does not know (ignoredContextKeys). Its matcher knows variable keys written with a slash
// (aws:PrincipalTag/x) but not KMS encryption context keys (kms:EncryptionContext:aws:s3:arn), so a
// request whose only dropped keys are encryption context keys is evaluated again without that
// filter, after the validated run accepted its policies, action and resource: through the library's
// own core (authorize), as its runUnsafeSimulation does (which, in this version, fails on a resource
// policy: it loads it without a name).
import { loadPolicy } from '@cloud-copilot/iam-policy'
import { runSimulation } from '@cloud-copilot/iam-simulate'

const core = (f) => new URL(`../node_modules/@cloud-copilot/iam-simulate/dist/esm/${f}`, import.meta.url)
const { authorize } = await import(core('core_engine/CoreSimulatorEngine.js'))
const { AwsRequestImpl } = await import(core('request/request.js'))
const { RequestContextImpl } = await import(core('requestContext.js'))
const { DiscoveryContextKeyConstraints } = await import(core('context_keys/discoveryContextKeyConstraints.js'))

const encryptionContext = /^kms:encryptioncontext:/i

function simulation(r) {
  return {
    request: {
      principal: r.principal,
      action: r.action,
      resource: { resource: r.resource, accountId: r.account },
      contextVariables: r.context || {}
    },
    identityPolicies: r.identityPolicies || [],
    permissionBoundaryPolicies: r.boundaries && r.boundaries.length ? r.boundaries : undefined,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: r.resourcePolicy || undefined
  }
}

function statements(layer, policyName, analysis, out) {
  if (!analysis) return
  for (const [list, effect] of [[analysis.denyStatements, 'Deny'], [analysis.allowStatements, 'Allow']]) {
    for (const s of list || []) {
      const st = s.statement
      const sid = typeof st?.sid === 'function' ? st.sid() : st?.Sid
      const index = typeof st?.index === 'function' ? st.index() : undefined
      out.push({ layer, policy: s.policyId || policyName || '', sid: sid || (index !== undefined ? `#${index}` : ''), effect })
    }
  }
}

function verdict(r, analysis, ignored) {
  const deciding = []
  statements('identity', '', analysis.identityAnalysis, deciding)
  statements('boundary', '', analysis.permissionBoundaryAnalysis, deciding)
  statements('resource', r.resourcePolicyName || 'resource policy', analysis.resourceAnalysis, deciding)
  return {
    id: r.id,
    result: analysis.result,
    ignoredContextKeys: ignored,
    deciding,
    layers: {
      identity: analysis.identityAnalysis?.result || '',
      boundary: analysis.permissionBoundaryAnalysis?.result || '',
      resource: analysis.resourceAnalysis?.result || ''
    }
  }
}

async function evaluate(r) {
  const sim = simulation(r)
  const res = await runSimulation(sim, {})
  if (res.resultType === 'error') {
    return { id: r.id, result: 'Error', errors: [JSON.stringify(res.errors)], deciding: [] }
  }
  if (res.resultType !== 'single') {
    return { id: r.id, result: 'Error', errors: [`resource ${r.resource} is a pattern: give a concrete ARN`], deciding: [] }
  }
  const ignored = res.result.ignoredContextKeys || []
  if (ignored.length === 0) return verdict(r, res.result.analysis, [])
  const other = ignored.filter((k) => !encryptionContext.test(k))
  if (other.length > 0) {
    return { id: r.id, result: 'Error', errors: [`context keys ${other.join(', ')} do not apply to ${r.action}`], deciding: [] }
  }
  return verdict(r, authorizeWithAllContext(sim, r), [])
}

// authorizeWithAllContext runs the library's core on a request whose context keys are all kept.
function authorizeWithAllContext(sim, r) {
  const load = (p) => loadPolicy(p.policy, { name: p.name })
  return authorize({
    request: new AwsRequestImpl(sim.request.principal, sim.request.resource, sim.request.action,
      new RequestContextImpl(sim.request.contextVariables), r.resource === '*'),
    sessionPolicy: undefined,
    identityPolicies: sim.identityPolicies.map(load),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: sim.resourcePolicy ? loadPolicy(sim.resourcePolicy, { name: r.resourcePolicyName || 'resource policy' }) : undefined,
    permissionBoundaries: sim.permissionBoundaryPolicies?.map(load),
    vpcEndpointPolicies: undefined,
    simulationParameters: { simulationMode: 'Strict', discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([]) },
    serviceSettings: { s3: { blockPublicAccess: undefined } }
  })
}

const chunks = []
for await (const c of process.stdin) chunks.push(c)
const requests = JSON.parse(Buffer.concat(chunks).toString('utf8'))
const out = []
for (const r of requests) {
  try {
    out.push(await evaluate(r))
  } catch (e) {
    out.push({ id: r.id, result: 'Error', errors: [String(e && e.message ? e.message : e)], deciding: [] })
  }
}
process.stdout.write(JSON.stringify(out))
