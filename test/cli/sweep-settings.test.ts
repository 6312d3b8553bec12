// The TTL/container settings of `start` and `node`: flags, env vars, defaults, bad values.
import t from 'tap'
import { parseStartArgs } from '../../src/cli/start'
import { parseNodeArgs } from '../../src/cli/node'
import { UsageError } from '../../src/cli/errors'

const REDIS = ['--redis', 'redis://127.0.0.1:6379']

t.test('defaults: extended types off, the server picks the sweep defaults', async (t) => {
  const s = parseStartArgs([], {})
  t.same(s === 'help' ? undefined : s.sweep, { extendedTypes: false, enforceQuota: false })
  const n = parseNodeArgs(REDIS, {})
  t.same(n === 'help' ? undefined : n.sweep, { extendedTypes: false, enforceQuota: false })
})

t.test('flags and environment variables', async (t) => {
  const s = parseStartArgs(['--extended-types', '--container-check-interval-ms', '500', '--container-max-per-minute', '20', '--container-max-never-used-ms', '0'], {})
  t.same(s === 'help' ? undefined : s.sweep, { extendedTypes: true, enforceQuota: false, containerCheckIntervalMs: 500, containerMaxPerMinute: 20, containerMaxNeverUsedMs: 0 })
  const env = { REDKEEPER_EXTENDED_TYPES: 'true', REDKEEPER_ENFORCE_QUOTA: '1', REDKEEPER_CONTAINER_CHECK_INTERVAL_MS: '1000', REDKEEPER_CONTAINER_MAX_PER_MINUTE: '5', REDKEEPER_CONTAINER_MAX_NEVER_USED_MS: '30000' }
  const n = parseNodeArgs([...REDIS, '--container-max-per-minute', '7'], env)
  t.same(n === 'help' ? undefined : n.sweep, { extendedTypes: true, enforceQuota: true, containerCheckIntervalMs: 1000, containerMaxPerMinute: 7, containerMaxNeverUsedMs: 30000 }, 'a flag beats its variable')
})

t.test('bad values are one-line usage errors naming the flag or variable', async (t) => {
  t.throws(() => parseStartArgs(['--container-check-interval-ms', '0'], {}), new UsageError("--container-check-interval-ms: '0' is not a positive integer"))
  t.throws(() => parseStartArgs(['--container-check-interval-ms', '2147483648'], {}), new UsageError('--container-check-interval-ms: 2147483648 is out of range (1-2147483647)'))
  t.throws(() => parseNodeArgs([...REDIS, '--container-max-per-minute', 'lots'], {}), new UsageError("--container-max-per-minute: 'lots' is not a positive integer"))
  t.throws(() => parseStartArgs(['--container-max-never-used-ms=-1'], {}), new UsageError("--container-max-never-used-ms: '-1' is not a non-negative integer"))
  t.throws(() => parseStartArgs([], { REDKEEPER_EXTENDED_TYPES: 'maybe' }), new UsageError("REDKEEPER_EXTENDED_TYPES: 'maybe' is not a boolean (true/false)"))
  t.throws(() => parseNodeArgs([...REDIS, '--extended-types=yes'], {}), UsageError, 'a value-less flag')
})

t.test('--enforce-quota', async (t) => {
  const s = parseStartArgs(['--enforce-quota'], {})
  t.equal(s === 'help' ? undefined : s.sweep.enforceQuota, true)
  const n = parseNodeArgs([...REDIS, '--enforce-quota'], {})
  t.equal(n === 'help' ? undefined : n.sweep.enforceQuota, true)
})
