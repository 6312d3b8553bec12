// The operator commands (data) against a real embedded server (redkeeper start).

import t from 'tap'
import { opsOnEmbedded } from './ops-suite'

t.setTimeout(180_000)

opsOnEmbedded(t, 'data')
