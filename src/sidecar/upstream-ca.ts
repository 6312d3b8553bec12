// The sidecar's --upstream-ca, kept current: the nodes reload their
// certificates on file change and SIGHUP (src/server/tls-reload.ts), so a
// CA rotation must not need a sidecar restart either. The file is re-read
// on the same triggers; WebSockets and four-letter-word requests opened
// afterwards trust the new bytes, those already open keep going (TLS
// checks the chain only at the handshake). A file that does not hold a
// PEM certificate (e.g. caught half-written) is logged once and the last
// good CA stays.

import { createHash, X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Logger } from 'pino'
import { watchFiles, type ReloadOptions } from '../server/tls-reload'

/** An upstream CA file that cannot be used (unreadable, no PEM certificate). */
export class UpstreamCaError extends Error {
  override name = 'UpstreamCaError'
}

export interface UpstreamCa {
  /** the CA bytes new upstream connections trust now */
  readonly current: Buffer
  /** Re-reads the file now (`force`: log a reload even when the bytes are unchanged). */
  reload(reason: string, force?: boolean): void
  close(): void
}

/** Reads `file` (throws UpstreamCaError if it cannot serve) and starts watching it. */
export function watchUpstreamCa (file: string, log: Logger, opts: ReloadOptions = {}): UpstreamCa {
  let current = readCa(file)
  let digest = digestOf(current)
  let failed: string | undefined

  const check = (reason: string, force: boolean): void => {
    let data: Buffer
    try {
      data = readFileSync(file)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message
      if (failed !== code) log.error({ file, reason, err: code }, `upstream CA reload failed (cannot read ${file}: ${code}); keeping the current CA`)
      failed = code
      return
    }
    const d = digestOf(data)
    if (!force && (d === digest || d === failed)) return
    let subjects: string[]
    try {
      subjects = certificatesIn(data, file)
    } catch (err) {
      failed = d
      log.error({ file, reason, err: (err as Error).message }, `upstream CA reload failed (${(err as Error).message}); keeping the current CA`)
      return
    }
    current = data
    digest = d
    failed = undefined
    log.info({ file, reason, subjects }, 'upstream CA reloaded')
  }
  const watcher = watchFiles([file], check, log, opts)
  return {
    get current () { return current },
    reload: (reason, force = false) => watcher.reload(reason, force),
    close: () => watcher.close()
  }
}

/** The file's bytes, checked to hold at least one PEM certificate. */
export function readCa (file: string): Buffer {
  let data: Buffer
  try {
    data = readFileSync(file)
  } catch (err) {
    throw new UpstreamCaError(`cannot read the upstream CA file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  certificatesIn(data, file)
  return data
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g

/** The subjects of the file's certificates; throws if there is none or one does not parse. */
function certificatesIn (data: Buffer, file: string): string[] {
  const blocks = data.toString('latin1').match(PEM_CERT)
  if (blocks === null) throw new UpstreamCaError(`the upstream CA file ${file} holds no PEM certificate`)
  return blocks.map((pem) => {
    try {
      return new X509Certificate(pem).subject.replace(/\n/g, ', ')
    } catch (err) {
      throw new UpstreamCaError(`the upstream CA file ${file} holds a certificate that does not parse (${(err as Error).message})`)
    }
  })
}

function digestOf (data: Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}
