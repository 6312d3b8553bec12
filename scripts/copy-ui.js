// Copies the web page's files (src/http/ui: HTML, CSS, JS; tsc copies only
// what it compiles) next to the compiled src/http/ui.js, where it reads them.
'use strict'
const { cpSync, rmSync } = require('node:fs')
const { join } = require('node:path')

const root = join(__dirname, '..')
const from = join(root, 'src', 'http', 'ui')
const to = join(root, 'dist', 'src', 'http', 'ui')
rmSync(to, { recursive: true, force: true })
cpSync(from, to, { recursive: true })
