// The web page (/ui/) driven in Debian's headless Chromium through
// playwright-core, as one suite run against each topology
// (browser-embedded.test.ts, browser-node.test.ts): a real server process,
// real HTTP, znodes written by the raw ZooKeeper client, HBase znodes
// captured from a real cluster. The page's own files are checked over plain
// HTTP first (types, CSP, caching).

import { mkdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { Test } from 'tap'
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core'
import { ZkClient } from '../../src/client'
import { CreateFlag, Err, OpCode, Perm } from '../../src/engine/codes'
import type { Request } from '../../src/engine/types'
import { loadFixture } from '../hbase-views/fixtures'
import { SUPER_PASSWORD } from '../http/rest-suite'
import { REPO_ROOT } from '../support/redkeeper'

export const CHROMIUM = '/usr/bin/chromium'

export interface UiTarget {
  /** http://127.0.0.1:port */
  base: string
  /** where ZooKeeper clients connect */
  zkAddress: string
}

export interface UiSuiteOptions {
  /** where the screenshot goes (its folder is created) */
  screenshot: string
}

const OPEN = [{ perms: Perm.ALL, id: { scheme: 'world', id: 'anyone' } }]

function create (path: string, data: Buffer | null = null, flags = 0): Request {
  return { type: OpCode.create, path, data, dataLength: data === null ? -1 : data.length, acl: OPEN, flags } as unknown as Request
}

async function ok (c: ZkClient, req: Request): Promise<void> {
  const r = await c.request(req as never)
  if (r.err !== Err.OK) throw new Error(`${OpCode[req.type]} ${(req as { path?: string }).path ?? ''}: err ${r.err}`)
}

const hex = (id: number): string => '0x' + id.toString(16)

/** The dimensions in a PNG's IHDR chunk (after the 8-byte signature and the chunk's length and type). */
export function pngSize (png: Buffer): { width: number, height: number } {
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) }
}
export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/** The screenshot's path: docs/images/web-ui.png with UPDATE_SCREENSHOT=1 (for the test that makes the docs' one), else under .tap. */
export function screenshotPath (name: string, docs = false): string {
  return docs && process.env.UPDATE_SCREENSHOT === '1'
    ? join(REPO_ROOT, 'docs', 'images', 'web-ui.png')
    : join(REPO_ROOT, '.tap', 'screenshots', name)
}

export function uiSuite (t: Test, target: () => UiTarget, prefix: string, opts: UiSuiteOptions): void {
  const root = `/${prefix}`
  const hbase = `${root}/hbase`
  const live = loadFixture('live')
  let zk: ZkClient
  let browser: Browser
  let page: Page
  /** what the page logged as errors, or threw: must stay empty (a CSP violation logs one) */
  const pageErrors: string[] = []

  t.before(async () => {
    zk = await ZkClient.connect(target().zkAddress, { timeout: 30_000 })
    await ok(zk, create(root))
    await ok(zk, create(`${root}/app`))
    await ok(zk, create(`${root}/app/config`, Buffer.from('retries=3\nname=<b>not markup</b>')))
    await ok(zk, create(`${root}/app/blob`, Buffer.from([0x00, 0xff, 0x10, 0x80, 0x41])))
    await ok(zk, create(`${root}/app/worker`, null, CreateFlag.EPHEMERAL))
    for (const z of live.znodes) {
      await ok(zk, create(hbase + z.path.slice('/hbase'.length), z.data, z.ephemeral ? CreateFlag.EPHEMERAL : 0))
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    // a missing element fails the test well within the file's minute
    page.setDefaultTimeout(8_000)
    // Chromium logs every 4xx fetch ("Failed to load resource"): the page
    // expects those (401 before credentials) and shows them; anything else
    // (a CSP refusal, an exception) is a defect
    page.on('console', (m: ConsoleMessage) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(m.text()) })
    page.on('pageerror', (e: Error) => pageErrors.push(e.message))
  })
  t.teardown(async () => {
    await browser?.close().catch(() => {})
    await zk?.close().catch(() => {})
  })

  const row = (path: string): string => `#tree li[data-path="${path}"]`
  const name = (path: string): string => `${row(path)} > .row > .name`
  const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  /** Selects path in the tree and waits for its detail (the page replaces the detail at once, when all is read). */
  async function open (path: string): Promise<void> {
    await page.click(name(path))
    await page.locator('#detail h2').filter({ hasText: new RegExp(`^${escape(path)}$`) }).waitFor()
  }

  t.test('the files: content types, CSP, revalidation, unknown names', async (t) => {
    const base = target().base
    const page = await fetch(`${base}/ui/`)
    t.equal(page.status, 200)
    t.equal(page.headers.get('content-type'), 'text/html; charset=utf-8')
    t.match(page.headers.get('content-security-policy'), /default-src 'none'; script-src 'self'; style-src 'self'/)
    t.equal(page.headers.get('x-content-type-options'), 'nosniff')
    t.equal(page.headers.get('cache-control'), 'no-cache')
    const etag = page.headers.get('etag')
    t.match(etag, /^"[A-Za-z0-9_-]+"$/)
    t.match(await page.text(), /<script src="app\.js"/)
    const again = await fetch(`${base}/ui/`, { headers: { 'if-none-match': etag ?? '' } })
    t.equal(again.status, 304, 'unchanged: 304')
    t.equal((await again.text()), '')
    t.equal((await fetch(`${base}/ui/app.js`)).headers.get('content-type'), 'text/javascript; charset=utf-8')
    t.equal((await fetch(`${base}/ui/style.css`)).headers.get('content-type'), 'text/css; charset=utf-8')
    for (const bad of ['/ui/nothing.js', '/ui/..%2Fui.js', '/ui/%2e%2e%2fpackage.json']) {
      const r = await fetch(base + bad)
      t.equal(r.status, 404, bad)
      t.equal(r.headers.get('content-type'), 'application/json; charset=utf-8')
    }
    for (const from of ['/', '/ui']) {
      const r = await fetch(base + from, { redirect: 'manual' })
      t.equal(r.status, 302, `${from} redirects`)
      t.equal(r.headers.get('location'), '/ui/')
    }
  })

  t.test('the tree expands lazily and shows a znode', async (t) => {
    await page.goto(`${target().base}/`)
    t.equal(new URL(page.url()).pathname, '/ui/', '/ redirects to the page')
    await page.click(name(root))
    await page.click(name(`${root}/app`))
    await page.waitForSelector(row(`${root}/app/config`))
    t.same(await page.locator(`${row(`${root}/app`)} > ul > li`).evaluateAll((ls) => ls.map((l) => l.getAttribute('data-path'))),
      [`${root}/app/blob`, `${root}/app/config`, `${root}/app/worker`], 'children listed, sorted, once clicked')
    t.equal(await page.locator(row(`${root}/app/config/x`)).count(), 0)
    t.match(await page.locator(`${row(`${root}/app/worker`)} > .row > .badge`).textContent(), 'ephemeral')

    await open(`${root}/app/config`)
    t.equal(await page.locator('#data-text').textContent(), 'retries=3\nname=<b>not markup</b>', 'data as text, not as markup')
    t.equal(await page.locator('#detail b').count(), 0)
    t.match(await page.locator('#stat').textContent(), /version0.*dataLength32.*numChildren0/s)
    t.match(await page.locator('#acl').textContent(), /worldanyonecdrwa/)

    await open(`${root}/app/blob`)
    t.match(await page.locator('#detail').textContent(), /5 bytes, not UTF-8/)
    t.match(await page.locator('#data-hex').textContent(), /^000000 {2}00 ff 10 80 41 +\.\.\.\.A$/)
    t.equal(await page.locator('#data-text').count(), 0)
  })

  t.test('live updates from the watch stream, without a reload', async (t) => {
    await page.waitForSelector('#live.on')
    t.equal(await page.locator('#live').textContent(), 'live: watching /')
    await page.evaluate('window.notReloaded = true')
    await open(`${root}/app/config`)

    await ok(zk, create(`${root}/app/new`, Buffer.from('fresh')))
    await page.waitForSelector(row(`${root}/app/new`))
    t.same(await page.locator(`${row(`${root}/app`)} > ul > li`).evaluateAll((ls) => ls.map((l) => l.getAttribute('data-path'))),
      [`${root}/app/blob`, `${root}/app/config`, `${root}/app/new`, `${root}/app/worker`], 'a znode created by a ZooKeeper client appears in place')
    t.match(await page.locator('#events').textContent(), `created ${root}/app/new`, 'and in the list of changes')

    // a change under a collapsed znode: its row gains a twisty (its parent's listing is refreshed)
    t.equal(await page.locator(`${row(`${root}/app/config`)} > .row > .twisty`).isDisabled(), true, 'a leaf has no twisty')
    await ok(zk, create(`${root}/app/config/child`))
    await page.waitForSelector(`${row(`${root}/app/config`)} > .row > .twisty:not([disabled])`)

    // the selected znode's detail follows its data
    const set = await zk.request({ type: OpCode.setData, path: `${root}/app/config`, data: Buffer.from('retries=4'), version: -1 } as never)
    t.equal(set.err, Err.OK)
    // (waitForFunction would eval a string in the page: the page's CSP refuses that)
    await page.locator('#data-text').filter({ hasText: /^retries=4$/ }).waitFor()
    t.match(await page.locator('#stat').textContent(), /version1/)

    await ok(zk, { type: OpCode.delete, path: `${root}/app/config/child`, version: -1 } as Request)
    await ok(zk, { type: OpCode.delete, path: `${root}/app/new`, version: -1 } as Request)
    await page.waitForSelector(row(`${root}/app/new`), { state: 'detached' })
    t.equal(await page.evaluate('window.notReloaded'), true, 'the page was not reloaded')
  })

  t.test('an HBase znode shows its decoded view', async (t) => {
    await page.click('#tabs button[data-tab="hbase"]')
    await page.fill('#hbase-parent', hbase)
    await page.click('#hbase-form button')
    await page.waitForSelector('#hbase-summary')
    const summary = await page.locator('#hbase-summary').textContent()
    t.match(summary, `active master${live.facts.master}`)
    t.match(summary, `cluster id${live.facts.clusterId}`)
    t.equal(await page.locator('#hbase-rs tr').count(), live.facts.liveServers.length + 1, 'one row per live region server')

    await page.click('#tabs button[data-tab="tree"]')
    await page.click(name(hbase))
    await open(`${hbase}/master`)
    const view = JSON.parse(await page.locator('#hbase-view').textContent() ?? '')
    t.equal(view.kind, 'master')
    t.equal(view.server.name, live.facts.master)
  })

  t.test('sessions and watches, with super credentials kept for the tab', async (t) => {
    await page.click('#tabs button[data-tab="sessions"]')
    await page.waitForSelector('#sessions .error')
    t.match(await page.locator('#sessions').textContent(), /AUTHREQUIRED/, 'anonymous: refused, and the page says why')

    await page.selectOption('#auth-scheme', 'basic')
    await page.fill('#auth-value', `super:${SUPER_PASSWORD}`)
    await page.click('#auth button[type="submit"]')
    await page.waitForSelector('#sessions-table')
    const id = hex(zk.sessionId)
    const line = page.locator('#sessions-table tr', { hasText: id })
    t.equal(await line.count(), 1, 'the ZooKeeper client\'s session is listed')
    t.match(await line.textContent(), `${id}${zk.negotiatedTimeout} ms`)
    await line.click()
    await page.waitForSelector('#session-detail h2')
    t.match(await page.locator('#session-detail').textContent(), `${root}/app/worker`, 'its ephemerals')
    t.equal(await page.evaluate('sessionStorage.getItem("redkeeper.auth")'), JSON.stringify({ scheme: 'basic', value: `super:${SUPER_PASSWORD}` }))

    // a one-shot data watch, for the Watches tab
    await ok(zk, { type: OpCode.getData, path: `${root}/app/config`, watch: true } as Request)
    await page.click('#tabs button[data-tab="watches"]')
    await page.fill('#watches-path', `${root}/app/config`)
    await page.click('#watches-form button')
    // (opening the tab listed the previous path first)
    await page.locator('#watches h3').filter({ hasText: `at ${root}/app/config` }).waitFor()
    t.match(await page.locator('#watches-at').textContent(), id, 'the session watching the znode')
    await page.click('#tabs button[data-tab="tree"]')
  })

  t.test('a link to a znode opens the tree at it', async (t) => {
    t.equal(new URL(page.url()).hash, `#${hbase}/master`, 'the selected path is in the fragment')
    const other = await browser.newPage()
    other.setDefaultTimeout(8_000)
    t.teardown(() => other.close())
    await other.goto(`${target().base}/ui/#${root}/app/blob`)
    await other.locator('#detail h2').filter({ hasText: `${root}/app/blob` }).waitFor()
    t.equal(await other.locator(`${row(`${root}/app/blob`)}.selected`).count(), 1, 'its ancestors expanded, the znode selected')
  })

  t.test('no page errors, no CSP violations; a screenshot', async (t) => {
    await open(`${hbase}/master`)
    mkdirSync(join(opts.screenshot, '..'), { recursive: true })
    await page.screenshot({ path: opts.screenshot })
    const png = readFileSync(opts.screenshot)
    t.same(png.subarray(0, 8), PNG_SIGNATURE, 'a PNG')
    t.same(pngSize(png), { width: 1280, height: 800 })
    t.ok(statSync(opts.screenshot).size > 20_000, `${png.length} bytes: a rendered page, not a blank one`)
    t.same(pageErrors, [])
  })
}
