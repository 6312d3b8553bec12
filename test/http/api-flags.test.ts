// The REST flags of `start` and `node`: --api-token, --api-identity,
// --api-require-auth, --api-max-watch-streams (and their environment variables).

import t from 'tap'
import { parseStartArgs } from '../../src/cli/start'
import { parseNodeArgs } from '../../src/cli/node'
import { UsageError } from '../../src/cli/errors'

const TOKEN = 'a-long-enough-token-123'
const DIGEST = 'digest:alice:0lhfeQyTA8MOs6nGkF6ieIbSRm8='

t.test('start: token and identities', async (t) => {
  const opts = parseStartArgs(['--api-token', TOKEN, '--api-identity', `super:,${DIGEST}`], {})
  if (opts === 'help') throw new Error('help')
  t.same(opts.api, { token: TOKEN, identities: [{ scheme: 'super', id: '' }, { scheme: 'digest', id: 'alice:0lhfeQyTA8MOs6nGkF6ieIbSRm8=' }] })
})

t.test('node: the same flags, and the environment', async (t) => {
  const opts = parseNodeArgs(['--redis', 'redis://127.0.0.1:6379', '--api-require-auth'], { REDKEEPER_API_TOKEN: TOKEN, REDKEEPER_API_IDENTITY: 'ip:10.0.0.1' })
  if (opts === 'help') throw new Error('help')
  t.same(opts.api, { token: TOKEN, identities: [{ scheme: 'ip', id: '10.0.0.1' }], requireAuth: true })
})

t.test('--api-max-watch-streams: flag or environment, on both commands', async (t) => {
  const start = parseStartArgs(['--api-max-watch-streams', '8'], {})
  const node = parseNodeArgs(['--redis', 'redis://127.0.0.1:6379'], { REDKEEPER_API_MAX_WATCH_STREAMS: '1000' })
  if (start === 'help' || node === 'help') throw new Error('help')
  t.same(start.api, { maxWatchStreams: 8 })
  t.same(node.api, { maxWatchStreams: 1000 })
})

t.test('--api-rate-limit and --api-rate-burst: flag or environment, on both commands', async (t) => {
  const start = parseStartArgs(['--api-rate-limit', '50'], {})
  const node = parseNodeArgs(['--redis', 'redis://127.0.0.1:6379'], { REDKEEPER_API_RATE_LIMIT: '10', REDKEEPER_API_RATE_BURST: '100' })
  const off = parseStartArgs(['--api-rate-limit', '0'], {})
  if (start === 'help' || node === 'help' || off === 'help') throw new Error('help')
  t.same(start.api, { rateLimit: { perSecond: 50, burst: 100 } }, 'burst defaults to 2 × rate')
  t.same(node.api, { rateLimit: { perSecond: 10, burst: 100 } })
  t.same(off.api, {}, '0 = no limit')
})

t.test('defaults: no token, anonymous reads allowed', async (t) => {
  const opts = parseStartArgs([], {})
  if (opts === 'help') throw new Error('help')
  t.same(opts.api, {})
})

t.test('bad values are one-line usage errors', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['--api-token', TOKEN], /--api-token needs --api-identity/],
    [['--api-identity', 'super:'], /--api-identity needs --api-token/],
    [['--api-token', 'short', '--api-identity', 'super:'], /--api-token: must be at least 16/],
    [['--api-token', TOKEN, '--api-identity', 'world:anyone'], /--api-identity: 'world' is not an identity scheme/],
    [['--api-token', TOKEN, '--api-identity', 'digest:alice'], /not a digest id/],
    [['--api-token', TOKEN, '--api-identity', 'nocolon'], /is not an identity/],
    [['--api-require-auth=yes'], /takes no value/],
    [['--api-max-watch-streams', '0'], /--api-max-watch-streams: '0' is not a positive integer/],
    [['--api-max-watch-streams', 'many'], /not a positive integer/],
    [['--api-rate-limit', 'fast'], /--api-rate-limit: 'fast' is not a non-negative integer/],
    [['--api-rate-burst', '5'], /--api-rate-burst needs --api-rate-limit/],
    [['--api-rate-limit', '5', '--api-rate-burst', '0'], /--api-rate-burst: '0' is not a positive integer/]
  ]
  for (const [argv, message] of cases) {
    t.throws(() => parseStartArgs(argv, {}), { name: UsageError.name, message }, argv.join(' '))
  }
})
