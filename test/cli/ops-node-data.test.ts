// The operator commands (data) against a service node (redkeeper node over Redis, real redis-server): the same suite as the embedded server.

import t from 'tap'
import { opsOnNode1 } from './ops-suite'

t.setTimeout(180_000)

opsOnNode1(t, 'data')
