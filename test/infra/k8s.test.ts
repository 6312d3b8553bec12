// infra/k8s/ without a cluster: every manifest validated, strictly (unknown
// fields refused), against the Kubernetes JSON schemas kubernetes-validate
// bundles (offline: nothing is downloaded) for the oldest version the
// manifests need (1.30: preStop sleep, native sidecars) and the newest; then
// what the schemas cannot see: selectors, the config file the nodes would
// load, the variables they would read, and the drain fitting the grace period.

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { NODE_SETTINGS, parseNodeArgs } from '../../src/cli/node'
import { SIDECAR_SETTINGS } from '../../src/cli/sidecar'
import { REPO_ROOT } from '../support/redkeeper'
import { SIDECAR_NODE_ARGS } from '../support/topology'
import { loadYamlDocs, run, tool } from './tools'

const K8S = join(REPO_ROOT, 'infra', 'k8s')
const MANIFESTS = readdirSync(K8S).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort()

type Doc = any

async function docs (): Promise<Doc[]> {
  const out: Doc[] = []
  for (const f of MANIFESTS) out.push(...await loadYamlDocs(join(K8S, f)))
  return out
}

for (const version of ['1.30.0', '1.37.0']) {
  t.test(`kubernetes-validate --strict against Kubernetes ${version}`, async (t) => {
    const r = await run(tool('kubernetes-validate'), ['--strict', '-k', version, ...MANIFESTS], { cwd: K8S })
    t.equal(r.code, 0, r.out)
    t.notMatch(r.out, /WARN|ERROR/, 'no warnings (every kind has a schema)')
    t.equal((r.out.match(/ passed for resource /g) ?? []).length, MANIFESTS.length, r.out)
  })
}

t.test('the validator works offline and refuses a bad manifest', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rk-k8s-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const bad = readFileSync(join(K8S, 'nodes.yaml'), 'utf8').replace('terminationGracePeriodSeconds: 30', 'terminationGracePeriodSeconds: thirty')
  writeFileSync(join(dir, 'bad.yaml'), bad)
  const r = await run(tool('kubernetes-validate'), ['--strict', '-k', '1.30.0', join(dir, 'bad.yaml')])
  t.equal(r.code, 1, r.out)
  t.match(r.out, /terminationGracePeriodSeconds/)
})

t.test('kustomization lists every manifest', async (t) => {
  const k = (await loadYamlDocs(join(K8S, 'kustomization.yaml')))[0] as Doc
  t.same([...k.resources].sort(), MANIFESTS)
})

t.test('selectors, probes, config, variables and the drain budget fit together', async (t) => {
  const all = await docs()
  const byKind = (kind: string): Doc[] => all.filter((d) => d.kind === kind)
  const deploy = byKind('Deployment').find((d) => d.metadata.name === 'redkeeper-node')
  const podLabels = deploy.spec.template.metadata.labels
  const matches = (sel: Record<string, string>): boolean => Object.entries(sel).every(([k, v]) => podLabels[k] === v)
  t.ok(matches(deploy.spec.selector.matchLabels), 'the Deployment selects its pods')
  t.ok(matches(byKind('Service')[0].spec.selector), 'the Service selects the nodes')
  t.ok(matches(byKind('PodDisruptionBudget')[0].spec.selector.matchLabels), 'the PDB covers the nodes')

  const c = deploy.spec.template.spec.containers[0]
  t.same(c.args, ['node'])
  t.equal(c.readinessProbe.httpGet.path, '/readyz')
  t.equal(c.livenessProbe.httpGet.path, '/healthz')
  t.ok(c.resources.requests !== undefined && c.resources.limits !== undefined, 'resources set')
  t.equal(deploy.spec.template.spec.securityContext.runAsUser, 1000, "the image's user")

  // the node would accept this configuration: the ConfigMap's file under the Secret's variables
  const cm = byKind('ConfigMap').find((d) => d.metadata.name === 'redkeeper-config')
  const secret = byKind('Secret').find((d) => d.metadata.name === 'redkeeper-secrets')
  const mount = c.volumeMounts.find((m: Doc) => m.name === 'config').mountPath
  const cfgEnv = c.env.find((e: Doc) => e.name === 'REDKEEPER_CONFIG').value
  t.equal(cfgEnv, `${mount}/redkeeper.properties`, 'REDKEEPER_CONFIG names the mounted file')
  const dir = mkdtempSync(join(tmpdir(), 'rk-k8s-cfg-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'redkeeper.properties'), cm.data['redkeeper.properties'])
  const warnings: string[] = []
  const opts = parseNodeArgs(c.args.slice(1), { ...secret.stringData, REDKEEPER_CONFIG: join(dir, 'redkeeper.properties') }, (w) => warnings.push(w))
  t.same(warnings, [])
  if (opts === 'help') throw new Error('help')
  t.match(opts.redisUrl, /^redis-sentinel:\/\//, 'Redis through Sentinel')
  const envNames = new Set(NODE_SETTINGS.map((s) => s.env))
  for (const k of Object.keys(secret.stringData)) t.ok(envNames.has(k), `Secret key ${k} is a variable the node reads`)

  // SIGKILL must not cut a drain short
  const preStop = c.lifecycle.preStop.sleep.seconds * 1000
  t.ok(deploy.spec.template.spec.terminationGracePeriodSeconds * 1000 >= preStop + opts.drainTimeoutMs + 5000, `grace ${deploy.spec.template.spec.terminationGracePeriodSeconds} s ≥ preStop ${preStop} ms + drain ${opts.drainTimeoutMs} ms + 5 s`)

  // HBase beside its sidecar: a native sidecar on localhost, pointed at the Service
  const pod = byKind('Pod').find((d) => d.metadata.labels['app.kubernetes.io/name'] === 'hbase')
  const sidecar = pod.spec.initContainers.find((x: Doc) => x.args?.[0] === 'sidecar')
  t.equal(sidecar.restartPolicy, 'Always', 'a native sidecar: up before HBase, down after it')
  const sidecarEnv = new Set(SIDECAR_SETTINGS.map((s) => s.env).concat('REDKEEPER_HEALTHCHECK_URL', 'NODE_OPTIONS'))
  for (const e of sidecar.env) t.ok(sidecarEnv.has(e.name), `${e.name} is a variable the sidecar reads`)
  t.equal(sidecar.env.find((e: Doc) => e.name === 'NODE_OPTIONS')?.value, SIDECAR_NODE_ARGS.join(' '), 'the sidecar runs with the Node flags the tests and the soak give it')
  const svc = byKind('Service')[0]
  t.equal(sidecar.env.find((e: Doc) => e.name === 'REDKEEPER_UPSTREAM').value, `ws://${svc.metadata.name}:${svc.spec.ports[0].port}`, 'the sidecar goes to the Service')
  const hbase = pod.spec.containers[0]
  t.equal(hbase.env.find((e: Doc) => e.name === 'HBASE_ZOOKEEPER_QUORUM').value, 'localhost', "HBase's ZooKeeper is the sidecar")
})
