// The web page on a server that refuses anonymous callers
// (--api-require-auth), in headless Chromium: the page itself loads, says
// what is refused, and works once a bearer token is typed in.

import t from 'tap'
import { chromium } from 'playwright-core'
import { startRedkeeper } from '../support/redkeeper'
import { TOKEN, restArgs } from '../http/rest-suite'
import { CHROMIUM } from './ui-suite'

t.setTimeout(60_000)

t.test('anonymous refused, then a bearer token', async (t) => {
  const rk = await startRedkeeper({ args: [...restArgs(), '--api-require-auth', '--no-fsync'] })
  t.teardown(() => rk.destroy())
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
  t.teardown(() => browser.close())
  const page = await browser.newPage()
  page.setDefaultTimeout(8_000)

  await page.goto(`http://127.0.0.1:${rk.httpPort}/ui/`)
  await page.waitForSelector('#live.err')
  t.equal(await page.locator('#live').textContent(), 'live: AUTHREQUIRED', 'the watch stream is refused, and the page says so')
  await page.waitForSelector('#tree li[data-path="/"] > .row > .badge.err')
  t.equal(await page.locator('#tree li[data-path="/"] > .row > .badge').textContent(), 'AUTHREQUIRED')
  t.equal(await page.locator('#tree li[data-path="/zookeeper"]').count(), 0, 'nothing listed')

  await page.selectOption('#auth-scheme', 'bearer')
  await page.fill('#auth-value', TOKEN)
  await page.click('#auth button[type="submit"]')
  await page.waitForSelector('#tree li[data-path="/zookeeper"]')
  await page.waitForSelector('#live.on')
  t.equal(await page.locator('#auth-state').textContent(), 'token set')
  t.equal(await page.locator('#auth-value').inputValue(), '', 'the field does not keep the secret on screen')

  await page.click('#auth-clear')
  await page.waitForSelector('#live.err')
  t.equal(await page.evaluate('sessionStorage.getItem("redkeeper.auth")'), null, 'Forget drops the credentials')
})
