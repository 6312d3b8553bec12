// redkeeper's web page: a client of the REST API (docs/rest.md) and of the
// watch stream (GET /v1/watch, Server-Sent Events), nothing more. Every
// value shown comes from the server and is written with textContent, never
// as markup: znode names and data are anyone's input.
'use strict'

;(() => {
  const $ = (id) => document.getElementById(id)
  const AUTH_KEY = 'redkeeper.auth'
  const HBASE_KEY = 'redkeeper.hbaseParent'

  // ---------------------------------------------------------------- helpers

  /** el('td', { class: 'x' }, 'text', child...) */
  function el (tag, attrs, ...kids) {
    const e = document.createElement(tag)
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue
      if (k === 'class') e.className = v
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v)
      else e.setAttribute(k, v === true ? '' : String(v))
    }
    for (const k of kids) {
      if (k === null || k === undefined) continue
      e.append(typeof k === 'string' || typeof k === 'number' ? String(k) : k)
    }
    return e
  }
  const hex = (n) => '0x' + Number(n).toString(16)
  const time = (ms) => ms === 0 ? '0' : new Date(ms).toISOString().replace('T', ' ').replace('Z', ' UTC')
  const parentOf = (p) => p === '/' ? null : (p.lastIndexOf('/') === 0 ? '/' : p.slice(0, p.lastIndexOf('/')))
  const nameOf = (p) => p === '/' ? '/' : p.slice(p.lastIndexOf('/') + 1)
  const childPath = (parent, name) => parent === '/' ? '/' + name : parent + '/' + name
  /** "/a b/c" → "a%20b/c": the {path} of the REST routes */
  const urlPath = (p) => p.split('/').slice(1).map(encodeURIComponent).join('/')

  // ------------------------------------------------------------- credentials

  function loadAuth () {
    try { return JSON.parse(sessionStorage.getItem(AUTH_KEY) || 'null') } catch { return null }
  }
  function authHeader () {
    const a = loadAuth()
    if (a === null || a.value === '') return null
    if (a.scheme === 'bearer') return 'Bearer ' + a.value
    // btoa takes Latin-1: encode the UTF-8 bytes first
    const bytes = new TextEncoder().encode(a.value)
    return 'Basic ' + btoa(String.fromCharCode(...bytes))
  }
  function showAuthState () {
    const a = loadAuth()
    $('auth-state').textContent = a === null ? 'anonymous' : (a.scheme === 'bearer' ? 'token set' : 'as ' + a.value.split(':')[0])
    if (a !== null) $('auth-scheme').value = a.scheme
  }

  class ApiError extends Error {
    constructor (status, body) {
      super(body && body.error ? `${body.error}${body.message ? ': ' + body.message : ''}` : `HTTP ${status}`)
      this.status = status
      this.code = body && body.error
    }
  }

  // credentials: 'omit': the page sends its own Authorization; with the
  // browser's credentials mode a 401's "WWW-Authenticate: Basic" would open
  // the browser's login prompt on top of the page (Fetch standard, 401 step).
  async function api (url) {
    const headers = { accept: 'application/json' }
    const auth = authHeader()
    if (auth !== null) headers.authorization = auth
    const res = await fetch(url, { headers, credentials: 'omit' })
    let body = null
    try { body = await res.json() } catch { /* an empty or non-JSON body */ }
    if (!res.ok) throw new ApiError(res.status, body)
    return body
  }
  const errorBox = (err) => el('p', { class: 'error' }, String(err.message || err))

  /**
   * A loader's latest call: a reply to an older call (a tab clicked, then a
   * new path submitted) must not overwrite the newer one's.
   */
  const latest = {}
  const turn = (name) => { latest[name] = (latest[name] || 0) + 1; const mine = latest[name]; return () => latest[name] === mine }

  // -------------------------------------------------------------------- tabs

  let currentTab = 'tree'
  function showTab (name) {
    currentTab = name
    for (const b of document.querySelectorAll('#tabs button')) b.setAttribute('aria-selected', String(b.dataset.tab === name))
    for (const s of document.querySelectorAll('.tab')) s.hidden = s.id !== 'tab-' + name
    if (name === 'sessions') loadSessions()
    if (name === 'watches') loadWatches()
    if (name === 'hbase') loadHBase()
  }

  // -------------------------------------------------------------------- tree

  /** path → its <li>; expanded paths keep their children listed and refreshed */
  const items = new Map()
  const expanded = new Set()
  let selected = null

  function treeItem (path, stat, error) {
    const li = el('li', { 'data-path': path, role: 'treeitem' })
    const twisty = el('button', { class: 'twisty', title: 'expand', onclick: () => toggle(path) }, '▸')
    const name = el('button', { class: 'name', onclick: () => { select(path); if (!expanded.has(path) && hasChildren(li)) expand(path) } }, nameOf(path))
    li.append(el('div', { class: 'row' }, twisty, name, el('span', { class: 'badge' })))
    items.set(path, li)
    updateItem(li, stat, error)
    return li
  }

  const hasChildren = (li) => li.stat === undefined || li.stat === null || li.stat.numChildren > 0

  /** stat null: keep the one shown (collapsing or an error does not change it) */
  function updateItem (li, stat, error) {
    if (stat) li.stat = stat
    stat = li.stat
    const twisty = li.querySelector(':scope > .row > .twisty')
    const badge = li.querySelector(':scope > .row > .badge')
    const path = li.dataset.path
    twisty.disabled = !(error || (stat && stat.numChildren > 0) || expanded.has(path))
    twisty.textContent = expanded.has(path) ? '▾' : '▸'
    badge.className = 'badge'
    badge.textContent = ''
    if (error) { badge.className = 'badge err'; badge.textContent = error }
    else if (stat && stat.ephemeralOwner !== 0) { badge.className = 'badge eph'; badge.textContent = 'ephemeral' }
  }

  /** drops path's descendants (and path itself unless onlyBelow) from the maps */
  function forget (path, onlyBelow) {
    const prefix = path === '/' ? '/' : path + '/'
    for (const p of [...items.keys()]) {
      if ((p === path && !onlyBelow) || (p !== path && p.startsWith(prefix))) { items.delete(p); expanded.delete(p) }
    }
  }

  /** Lists path's children (one /v1/tree call: names and each child's stat), keeping rows that stay. */
  async function loadChildren (path) {
    const li = items.get(path)
    if (li === undefined) return
    const current = turn('children ' + path)
    let reply
    try {
      reply = await api(`/v1/tree/${urlPath(path)}?depth=1&limit=1000`)
      if (!current()) return // a newer listing of the same znode is on its way
    } catch (err) {
      if (!current()) return
      if (err.code === 'NONODE') { removeItem(path); return }
      updateItem(li, null, err.code || 'error')
      return
    }
    const self = reply.nodes.find((n) => n.depth === 0)
    if (self && self.error) { updateItem(li, null, self.error); return }
    if (!expanded.has(path)) return // collapsed while the reply was on its way
    let ul = li.querySelector(':scope > ul')
    const refreshing = ul !== null // rows new on a refresh are flashed, not those of a first listing
    if (ul === null) { ul = el('ul', { role: 'group' }); li.append(ul) }
    const kids = reply.nodes.filter((n) => n.depth === 1)
    const keep = new Set(kids.map((n) => n.path))
    for (const old of [...ul.children]) {
      if (old.dataset.path !== undefined && !keep.has(old.dataset.path)) { forget(old.dataset.path); old.remove() }
      if (old.classList.contains('more')) old.remove()
    }
    let prev = null
    for (const n of kids) {
      let item = items.get(n.path)
      if (item === undefined || item.parentElement !== ul) {
        item = treeItem(n.path, n.stat, n.error)
        if (refreshing) item.classList.add('fresh')
        if (n.path === selected) item.classList.add('selected')
      } else {
        updateItem(item, n.stat, n.error)
      }
      // server order is sorted: place each row right after the previous one
      if (prev === null) { if (ul.firstElementChild !== item) ul.prepend(item) } else if (prev.nextElementSibling !== item) prev.after(item)
      prev = item
    }
    // reply.truncated also counts the grandchildren depth=1 leaves out: compare with the count
    if (self && self.stat && kids.length < self.stat.numChildren) ul.append(el('li', { class: 'more muted' }, `… ${self.stat.numChildren - kids.length} more not listed`))
    updateItem(li, self ? self.stat : null, null)
  }

  function removeItem (path) {
    const li = items.get(path)
    forget(path)
    if (li) li.remove()
  }

  async function expand (path) {
    expanded.add(path)
    await loadChildren(path)
  }
  function toggle (path) {
    const li = items.get(path)
    if (li === undefined) return
    if (!expanded.has(path)) { expand(path); return }
    expanded.delete(path)
    forget(path, true)
    const ul = li.querySelector(':scope > ul')
    if (ul) ul.remove()
    updateItem(li, null, null)
  }

  // ------------------------------------------------------------------ detail

  async function select (path) {
    selected = path
    for (const s of document.querySelectorAll('.tree li.selected')) s.classList.remove('selected')
    const li = items.get(path)
    if (li) li.classList.add('selected')
    history.replaceState(null, '', '#' + encodeURI(path))
    await renderDetail(path)
  }

  async function renderDetail (path) {
    const current = turn('detail')
    const box = $('detail')
    const [data, acl] = await Promise.allSettled([
      api(`/v1/znodes/${urlPath(path)}?encoding=base64`),
      api(`/v1/acl/${urlPath(path)}`)
    ])
    if (!current()) return // another znode was picked, or the same one re-read, meanwhile
    const out = [el('h2', {}, path)]
    if (data.status === 'rejected' && data.reason.code === 'NONODE') {
      out.push(el('p', { class: 'error' }, 'This znode does not exist (any more).'))
      box.replaceChildren(...out)
      return
    }
    const parent = hbaseParent()
    if (path === parent || path.startsWith(parent === '/' ? '/' : parent + '/')) {
      out.push(el('h3', {}, 'HBase view'))
      try {
        const v = await api(`/v1/hbase/znodes/${urlPath(path)}?parent=${encodeURIComponent(parent)}`)
        out.push(el('pre', { id: 'hbase-view' }, JSON.stringify(v.view, null, 2)))
      } catch (err) { out.push(errorBox(err)) }
    }
    let stat = null
    if (data.status === 'fulfilled') {
      stat = data.value.stat
      out.push(el('h3', {}, 'Data'), ...dataViews(data.value.data))
    } else {
      out.push(el('h3', {}, 'Data'), errorBox(data.reason))
      try { stat = (await api(`/v1/stat/${urlPath(path)}`)).stat } catch { /* shown below as missing */ }
    }
    out.push(el('div', { class: 'cols' },
      stat === null ? null : el('div', {}, el('h3', {}, 'Stat'), statTable(stat)),
      el('div', {}, el('h3', {}, 'ACL'), acl.status === 'fulfilled' ? aclTable(acl.value.acl) : errorBox(acl.reason))))
    if (!current()) return
    box.replaceChildren(...out)
  }

  function dataViews (b64) {
    if (b64 === null) return [el('p', { class: 'muted' }, 'null (no data)')]
    const bin = atob(b64)
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0))
    const views = []
    let text = null
    try { text = new TextDecoder('utf-8', { fatal: true }).decode(bytes) } catch { /* not UTF-8 */ }
    views.push(el('p', { class: 'muted' }, `${bytes.length} bytes${text === null ? ', not UTF-8' : ''}`))
    if (text !== null && bytes.length > 0) views.push(el('pre', { id: 'data-text' }, text))
    if (bytes.length > 0) {
      const shown = bytes.subarray(0, 4096)
      const hexBox = el('details', { open: text === null }, el('summary', {}, 'hex'), el('pre', { id: 'data-hex' }, hexDump(shown)))
      if (shown.length < bytes.length) hexBox.append(el('p', { class: 'muted' }, `first ${shown.length} bytes shown`))
      views.push(hexBox)
    }
    return views
  }

  function hexDump (bytes) {
    const lines = []
    for (let off = 0; off < bytes.length; off += 16) {
      const row = bytes.subarray(off, off + 16)
      const h = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ')
      const a = [...row].map((b) => b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.').join('')
      lines.push(off.toString(16).padStart(6, '0') + '  ' + h.padEnd(48) + ' ' + a)
    }
    return lines.join('\n')
  }

  function statTable (s) {
    const rows = [
      ['czxid', hex(s.czxid)], ['mzxid', hex(s.mzxid)], ['pzxid', hex(s.pzxid)],
      ['ctime', time(s.ctime)], ['mtime', time(s.mtime)],
      ['version', s.version], ['cversion', s.cversion], ['aversion', s.aversion],
      ['ephemeralOwner', s.ephemeralOwner === 0 ? '0 (persistent)' : hex(s.ephemeralOwner)],
      ['dataLength', s.dataLength], ['numChildren', s.numChildren]
    ]
    return el('table', { id: 'stat' }, ...rows.map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', { class: 'mono' }, String(v)))))
  }

  function aclTable (acl) {
    return el('table', { id: 'acl' },
      el('tr', {}, el('th', {}, 'scheme'), el('th', {}, 'id'), el('th', {}, 'perms')),
      ...acl.map((a) => el('tr', {}, el('td', {}, a.scheme), el('td', { class: 'mono' }, a.id), el('td', { class: 'mono' }, String(a.perms)))))
  }

  // ---------------------------------------------------------------- sessions

  function table (id, heads, rows) {
    return el('table', { id }, el('tr', {}, ...heads.map((h) => el('th', {}, h))), ...rows)
  }

  async function loadSessions () {
    const current = turn('sessions')
    const box = $('sessions')
    try {
      const r = await api('/v1/sessions?limit=1000')
      const now = Date.now()
      if (!current()) return
      box.replaceChildren(
        el('p', { class: 'muted' }, `${r.sessions.length} session${r.sessions.length === 1 ? '' : 's'}${r.truncated ? ' (more not listed)' : ''}`),
        table('sessions-table', ['id', 'timeout', 'expires in', 'ephemerals', 'watches'], r.sessions.map((s) =>
          el('tr', { class: 'click', onclick: () => loadSession(s.id) },
            el('td', { class: 'mono' }, s.id), el('td', {}, `${s.timeout} ms`),
            el('td', {}, `${Math.max(0, Math.round((s.expiresAt - now) / 100) / 10)} s`),
            el('td', {}, String(s.ephemerals)), el('td', {}, String(s.watches))))))
    } catch (err) {
      if (!current()) return
      box.replaceChildren(errorBox(err))
    }
  }

  async function loadSession (id) {
    const box = $('session-detail')
    try {
      const s = await api(`/v1/sessions/${encodeURIComponent(id)}`)
      const list = (title, paths) => [el('h3', {}, `${title} (${paths.length})`), el('pre', {}, paths.join('\n') || '—')]
      box.replaceChildren(el('h2', {}, `session ${s.id}`),
        ...list('ephemerals', s.ephemerals), ...list('data watches', s.watches.data), ...list('child watches', s.watches.child),
        ...list('persistent watches', s.watches.persistent), ...list('recursive watches', s.watches.recursive))
    } catch (err) {
      box.replaceChildren(errorBox(err))
    }
  }

  // ----------------------------------------------------------------- watches

  async function loadWatches () {
    const current = turn('watches')
    const box = $('watches')
    const path = $('watches-path').value.trim()
    try {
      const all = await api('/v1/watches')
      const out = [table('watches-summary', ['watched paths', 'registrations', 'sessions'],
        [el('tr', {}, el('td', {}, String(all.paths)), el('td', {}, String(all.watches)), el('td', {}, String(all.sessions)))])]
      if (path !== '') {
        const w = await api(`/v1/watches?path=${encodeURIComponent(path)}`)
        out.push(el('h3', {}, `at ${w.path}`), table('watches-at', ['table', 'sessions'], [
          el('tr', {}, el('td', {}, 'data (getData, exists, persistent)'), el('td', { class: 'mono' }, w.data.join(' ') || '—')),
          el('tr', {}, el('td', {}, 'child (getChildren, persistent)'), el('td', { class: 'mono' }, w.child.join(' ') || '—'))]))
      }
      if (!current()) return
      box.replaceChildren(...out)
    } catch (err) {
      if (!current()) return
      box.replaceChildren(errorBox(err))
    }
  }

  // ------------------------------------------------------------------- HBase

  function hbaseParent () {
    return sessionStorage.getItem(HBASE_KEY) || '/hbase'
  }

  async function loadHBase () {
    const current = turn('hbase')
    const box = $('hbase')
    const parent = $('hbase-parent').value.trim() || '/hbase'
    sessionStorage.setItem(HBASE_KEY, parent)
    try {
      const h = await api(`/v1/hbase?parent=${encodeURIComponent(parent)}`)
      if (!current()) return
      if (!h.exists) { box.replaceChildren(el('p', { class: 'muted' }, `${parent} does not exist: no HBase here.`)); return }
      const name = (v) => v && v.server ? v.server.name : (v && v.kind) || '—'
      const sw = Object.entries(h.switches).map(([k, v]) => `${k}: ${v.enabled === null || v.enabled === undefined ? '—' : (v.enabled ? 'on' : 'off')}`).join(', ')
      const rows = [
        ['cluster id', h.clusterId || '—'], ['cluster up', h.clusterUp ? 'yes' : 'no'], ['started', h.startDate || '—'],
        ['active master', name(h.activeMaster)], ['backup masters', h.backupMasters.map(name).join(', ') || '—'],
        ['region servers', String(h.regionServers.length)], ['meta', h.meta.map(name).join(', ') || '—'],
        ['draining', h.draining.map(name).join(', ') || '—'], ['switches', sw],
        ['replication peers', h.replicationPeers.map((p) => `${p.peerId}${p.enabled === false ? ' (disabled)' : ''}`).join(', ') || '—'],
        ['tables', h.tables.map((t) => `${t.table} ${t.state}`).join(', ') || '—'], ['namespaces', h.namespaces.join(', ') || '—']
      ]
      const out = [el('table', { id: 'hbase-summary' }, ...rows.map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, v))))]
      out.push(el('h3', {}, 'region servers'), table('hbase-rs', ['server', 'version', 'draining'], h.regionServers.map((r) =>
        el('tr', {}, el('td', { class: 'mono' }, name(r)), el('td', {}, (r.version && (r.version.version || r.version)) || '—'), el('td', {}, r.draining ? 'yes' : 'no')))))
      if (h.problems.length > 0) {
        out.push(el('h3', {}, 'problems'), table('hbase-problems', ['znode', 'kind', 'reason'], h.problems.map((p) =>
          el('tr', {}, el('td', { class: 'mono' }, p.path), el('td', {}, p.kind), el('td', {}, p.reason)))))
      }
      out.push(el('details', {}, el('summary', {}, 'JSON'), el('pre', {}, JSON.stringify(h, null, 2))))
      if (!current()) return
      box.replaceChildren(...out)
    } catch (err) {
      if (!current()) return
      box.replaceChildren(errorBox(err))
    }
  }

  // ------------------------------------------------------------------ status

  async function loadStatus () {
    try {
      const s = await api('/v1/status')
      $('status').textContent = `${s.mode} · v${s.version} · zxid ${hex(s.zxid)} · ${s.nodeCount} znodes · ${s.sessions} sessions`
      $('status').title = `ZooKeeper ${s.zookeeperVersion}, ${s.connections} connections`
    } catch (err) {
      $('status').textContent = String(err.message)
    }
  }

  // ------------------------------------------------------------ live updates

  // fetch, not EventSource: EventSource cannot send the Authorization header.
  let liveAbort = null
  function setLive (cls, text) {
    const l = $('live')
    l.className = 'live ' + cls
    l.textContent = 'live: ' + text
  }

  function startLive () {
    if (liveAbort) liveAbort.abort()
    const ctl = new AbortController()
    liveAbort = ctl
    ;(async () => {
      let delay = 500
      while (!ctl.signal.aborted) {
        try {
          const headers = { accept: 'text/event-stream' }
          const auth = authHeader()
          if (auth !== null) headers.authorization = auth
          const res = await fetch('/v1/watch?path=/&recursive=true&data=false', { headers, signal: ctl.signal, credentials: 'omit' })
          if (res.status === 404) { setLive('off', 'not served here'); return }
          if (!res.ok || res.body === null) {
            let msg = 'HTTP ' + res.status
            try { const b = await res.json(); if (b && b.error) msg = b.error } catch { /* not JSON */ }
            setLive('err', msg)
            // refused: asking again changes nothing until other credentials are given (reloadAll)
            if (res.status === 401 || res.status === 403) return
          } else {
            await readEvents(res.body, ctl.signal, () => { delay = 500 })
            setLive('err', 'stream ended')
          }
        } catch (err) {
          if (ctl.signal.aborted) return
          setLive('err', 'disconnected')
        }
        await new Promise((resolve) => setTimeout(resolve, delay))
        delay = Math.min(delay * 2, 15000)
      }
    })()
  }

  /** Server-Sent Events framing: "field: value" lines, a blank line ends an event. */
  async function readEvents (body, signal, onOpen) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader()
    signal.addEventListener('abort', () => reader.cancel().catch(() => {}), { once: true })
    let buf = ''
    let ev = { event: 'message', data: [] }
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buf += value
      let nl
      while ((nl = buf.search(/\r\n|\r|\n/)) >= 0) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + (buf[nl] === '\r' && buf[nl + 1] === '\n' ? 2 : 1))
        if (line === '') {
          if (ev.data.length > 0) onEvent(ev.event, ev.data.join('\n'), onOpen)
          ev = { event: 'message', data: [] }
        } else if (!line.startsWith(':')) {
          const i = line.indexOf(':')
          const field = i < 0 ? line : line.slice(0, i)
          const val = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '')
          if (field === 'event') ev.event = val
          else if (field === 'data') ev.data.push(val)
        }
      }
    }
  }

  function onEvent (type, text, onOpen) {
    let msg
    try { msg = JSON.parse(text) } catch { return }
    if (type === 'ready') { onOpen(); setLive('on', 'watching ' + msg.path); return }
    if (type === 'error') { setLive('err', msg.message || msg.error || 'error'); return }
    if (type !== 'change') return
    logEvent(msg)
    const parent = parentOf(msg.path)
    if (msg.type === 'created' || msg.type === 'deleted') {
      if (parent !== null && expanded.has(parent)) refreshSoon(parent)
      // the parent's own row (its child count, its twisty) is listed in the grandparent
      const grand = parent === null ? null : parentOf(parent)
      if (grand !== null && expanded.has(grand)) refreshSoon(grand)
    } else if (msg.type === 'childrenChanged') {
      if (expanded.has(msg.path)) refreshSoon(msg.path)
    }
    if (selected === msg.path || selected === parent) detailSoon()
    statusSoon()
  }

  function logEvent (msg) {
    const list = $('events')
    const at = new Date().toISOString().slice(11, 19)
    list.prepend(el('li', {}, `${at} ${msg.type} ${msg.path}${msg.zxid !== undefined ? ' ' + hex(msg.zxid) : ''}`))
    while (list.childElementCount > 50) list.lastElementChild.remove()
  }

  // bursts of changes (a recursive delete) cost one refresh per path
  const pending = new Set()
  let pendingTimer = null
  function refreshSoon (path) {
    pending.add(path)
    if (pendingTimer === null) {
      pendingTimer = setTimeout(() => {
        pendingTimer = null
        const paths = [...pending]
        pending.clear()
        for (const p of paths) loadChildren(p)
      }, 100)
    }
  }
  let detailTimer = null
  function detailSoon () {
    if (detailTimer !== null) return
    detailTimer = setTimeout(() => { detailTimer = null; if (selected !== null) renderDetail(selected) }, 150)
  }
  let statusTimer = null
  function statusSoon () {
    if (statusTimer !== null) return
    statusTimer = setTimeout(() => { statusTimer = null; loadStatus() }, 1000)
  }

  // ------------------------------------------------------------------- start

  async function reloadAll () {
    loadStatus()
    items.clear()
    const keep = [...expanded]
    expanded.clear()
    const tree = $('tree')
    tree.replaceChildren(treeItem('/', null, null))
    await expand('/')
    // reopen what was open, parents first (paths sort parents before children)
    for (const p of keep.sort()) if (items.has(p) && !expanded.has(p)) await expand(p)
    if (selected !== null) await select(selected)
    if (currentTab !== 'tree') showTab(currentTab)
    startLive()
  }

  async function openFromHash () {
    const want = decodeURI(location.hash.slice(1))
    if (!want.startsWith('/')) return
    // expand each ancestor, then select
    const parts = want.split('/').filter((x) => x !== '')
    let p = '/'
    for (const part of parts.slice(0, -1)) {
      p = childPath(p, part)
      if (items.has(p) && !expanded.has(p)) await expand(p)
    }
    await select(want)
  }

  document.addEventListener('DOMContentLoaded', async () => {
    for (const b of document.querySelectorAll('#tabs button')) b.addEventListener('click', () => showTab(b.dataset.tab))
    $('auth').addEventListener('submit', (e) => {
      e.preventDefault()
      const value = $('auth-value').value
      if (value === '') sessionStorage.removeItem(AUTH_KEY)
      else sessionStorage.setItem(AUTH_KEY, JSON.stringify({ scheme: $('auth-scheme').value, value }))
      $('auth-value').value = ''
      showAuthState()
      reloadAll()
    })
    $('auth-clear').addEventListener('click', () => { sessionStorage.removeItem(AUTH_KEY); showAuthState(); reloadAll() })
    $('sessions-refresh').addEventListener('click', () => loadSessions())
    $('watches-form').addEventListener('submit', (e) => { e.preventDefault(); loadWatches() })
    $('hbase-form').addEventListener('submit', (e) => { e.preventDefault(); loadHBase() })
    $('hbase-parent').value = hbaseParent()
    showAuthState()
    await reloadAll()
    await openFromHash()
  })
})()
