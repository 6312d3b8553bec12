// The web page on the embedded server (`redkeeper start`, a real process),
// in headless Chromium. UPDATE_SCREENSHOT=1 writes docs/images/web-ui.png.

import t from 'tap'
import { startRedkeeper, type RedkeeperHandle } from '../support/redkeeper'
import { restArgs } from '../http/rest-suite'
import { screenshotPath, uiSuite } from './ui-suite'

t.setTimeout(60_000)

let rk: RedkeeperHandle | undefined
t.before(async () => {
  rk = await startRedkeeper({ args: [...restArgs(), '--no-fsync'] })
})
t.teardown(() => rk?.destroy())

uiSuite(t, () => {
  if (rk === undefined) throw new Error('server not started')
  return { base: `http://127.0.0.1:${rk.httpPort}`, zkAddress: rk.address }
}, 'ui-embedded', { screenshot: screenshotPath('web-ui-embedded.png', true) })
