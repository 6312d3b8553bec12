// The configuration file as the lowest layer under the environment and the
// flags: file < REDKEEPER_* environment < flags. The flag parser stays the
// authority on names and parsing: a file value is checked by the setting's
// own parser, then handed on as if it were the setting's environment
// variable (unless that variable is set, which wins), so `resolve()` and
// every command's defaults work unchanged.

import { readFileSync } from 'node:fs'
import { ConfigFileError, parseProperties, type ConfigEntry } from './config-file'
import { UsageError } from './errors'
import { BadValue, type Setting } from './settings'

/** The file's variable: `redkeeper <cmd> --config <file>` or REDKEEPER_CONFIG. */
export const CONFIG_ENV = 'REDKEEPER_CONFIG'

/**
 * ZooKeeper's names (zoo.cfg keys and the system properties HBase and
 * operators set) → our flag names. A key is accepted only by a command that
 * has that flag.
 */
export const ZOOKEEPER_KEYS: Readonly<Record<string, string>> = {
  clientPort: 'zk-port',
  clientPortAddress: 'host',
  dataDir: 'data-dir',
  tickTime: 'tick-ms',
  minSessionTimeout: 'min-session-timeout',
  maxSessionTimeout: 'max-session-timeout',
  'jute.maxbuffer': 'max-buffer',
  maxClientCnxns: 'max-client-cnxns',
  globalOutstandingLimit: 'global-outstanding-limit',
  'zookeeper.globalOutstandingLimit': 'global-outstanding-limit',
  '4lw.commands.whitelist': '4lw-whitelist',
  forceSync: 'fsync',
  snapCount: 'snap-count',
  superDigest: 'super-digest',
  'zookeeper.DigestAuthenticationProvider.superDigest': 'super-digest',
  'zookeeper.superUser': 'sasl-super-user',
  'zookeeper.sasl.serverconfig': 'sasl-section',
  'zookeeper.enforce.auth.schemes': 'enforce-auth-schemes',
  'zookeeper.allowSaslFailedClients': 'allow-sasl-failed-clients',
  'zookeeper.extendedTypesEnabled': 'extended-types',
  'zookeeper.enforceQuota': 'enforce-quota',
  'znode.container.checkIntervalMs': 'container-check-interval-ms',
  'znode.container.maxPerMinute': 'container-max-per-minute',
  'znode.container.maxNeverUsedIntervalMs': 'container-max-never-used-ms',
  // the secure client port: ZooKeeper's PEM key and trust stores (zoo.cfg spelling and system properties)
  secureClientPort: 'secure-zk-port',
  secureClientPortAddress: 'secure-zk-host',
  ...sslKeys({
    'ssl.keyStore.location': 'tls-key',
    'ssl.keyStore.password': 'tls-key-passphrase',
    'ssl.keyStore.type': 'tls-keystore-type',
    'ssl.trustStore.location': 'tls-ca',
    'ssl.trustStore.type': 'tls-keystore-type',
    'ssl.clientAuth': 'tls-client-auth'
  })
}

/** Each ssl.* key under its zoo.cfg name and its system property name (zookeeper.ssl.*). */
function sslKeys (keys: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, flag] of Object.entries(keys)) {
    out[k] = flag
    out[`zookeeper.${k}`] = flag
  }
  return out
}

/**
 * zoo.cfg keys that mean nothing here (quorum, purge and admin-server
 * settings; snapCount and secureClientPort(Address) for a node, which keeps no
 * snapshots and has no ZooKeeper port): a copied zoo.cfg still loads, with
 * one warning per key, instead of failing on them or dropping them silently.
 */
const ZOOKEEPER_IGNORED = /^(initLimit|secureClientPort|syncLimit|dataLogDir|snapCount|preAllocSize|autopurge\..+|admin\..+|standaloneEnabled|reconfigEnabled|server\.\d+|group\.\d+|weight\.\d+|electionAlg|electionPortBindRetry|leaderServes|quorumListenOnAllIPs|metricsProvider\..+|secureClientPortAddress|ssl\.trustStore\.password|zookeeper\.ssl\.trustStore\.password|serverCnxnFactory|audit\.enable|zookeeper\.enforce\.auth\.enabled|sessionRequireClientSASLAuth|localSessionsEnabled|localSessionsUpgradingEnabled|clientPortListenBacklog|maxCnxns|snapSizeLimitInKb|txnLogSizeLimitInKb|fsync\.warningthresholdms|syncEnabled|peerType|dynamicConfigFile|skipACL)$/

export interface FileValue {
  /** the setting's flag name */
  flag: string
  value: string
  /** "file:line" */
  where: string
}

export interface Layered {
  /** argv without --config */
  argv: string[]
  /** env with the file's values under the settings' variables (the real environment wins) */
  env: NodeJS.ProcessEnv
  /** the file's values by flag name, for `config print` */
  fromFile: Map<string, FileValue>
  /** one line each: keys a ZooKeeper server knows but redkeeper ignores */
  warnings: string[]
}

/**
 * Takes `--config <file>` (or `--config=<file>`, or REDKEEPER_CONFIG) out of
 * argv and layers the file under `env`. Every bad key or value is reported,
 * one line each, in one UsageError (exit 2).
 */
export function layerConfigFile (argv: string[], env: NodeJS.ProcessEnv, settings: ReadonlyArray<Setting<unknown>>, command: string): Layered {
  const { rest, file } = takeConfigFlag(argv, env)
  const layered: Layered = { argv: rest, env, fromFile: new Map(), warnings: [] }
  if (file === undefined) return layered
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new UsageError(`cannot read the config file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  let entries: ConfigEntry[]
  try {
    entries = parseProperties(text)
  } catch (err) {
    if (err instanceof ConfigFileError) throw new UsageError(`${file}: ${err.message}`)
    throw err
  }
  const byFlag = new Map(settings.map((s) => [s.flag, s]))
  const errors: string[] = []
  const merged: NodeJS.ProcessEnv = { ...env }
  for (const e of entries) {
    const where = `${file}:${e.line}`
    const flag = ZOOKEEPER_KEYS[e.key] ?? e.key
    const s = byFlag.get(flag)
    if (s === undefined) {
      if (ZOOKEEPER_IGNORED.test(e.key)) {
        layered.warnings.push(`${where}: ${e.key} has no effect in redkeeper ${command} (ignored)`)
      } else if (flag !== e.key || isKnownElsewhere(flag)) {
        errors.push(`${where}: ${e.key} is not a setting of redkeeper ${command}`)
      } else {
        errors.push(`${where}: unknown key '${e.key}' (keys are the flag names of redkeeper ${command} --help, or ZooKeeper's names)`)
      }
      continue
    }
    try {
      s.parse(e.value)
    } catch (err) {
      if (!(err instanceof BadValue)) throw err
      errors.push(`${where}: ${e.key}: ${err.message}`)
      continue
    }
    layered.fromFile.set(flag, { flag, value: e.value, where })
    if (env[s.env] === undefined || env[s.env] === '') merged[s.env] = e.value
  }
  if (errors.length > 0) throw new UsageError(errors.join('\nredkeeper: '))
  layered.env = merged
  return layered
}

function takeConfigFlag (argv: string[], env: NodeJS.ProcessEnv): { rest: string[], file: string | undefined } {
  const rest: string[] = []
  let file: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') {
      rest.push(...argv.slice(i))
      break
    }
    if (a === '--config') {
      const v = argv[i + 1]
      if (v === undefined || v.startsWith('--')) throw new UsageError('flag --config needs a value')
      file = v
      i++
    } else if (a.startsWith('--config=')) {
      file = a.slice('--config='.length)
    } else {
      rest.push(a)
    }
  }
  if (file === '') throw new UsageError('--config: must not be empty')
  const fromEnv = env[CONFIG_ENV]
  return { rest, file: file ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : undefined) }
}

/** Flags that exist on some other command: "not a setting of X" reads better than "unknown". */
const OTHER_COMMANDS_FLAGS = new Set(['redis', 'namespace', 'upstream', 'data-dir', 'fsync', 'zk-port', 'trust-client-address', 'drain-timeout-ms', 'http-port', 'redis-wait-replicas', 'redis-wait-timeout-ms'])
function isKnownElsewhere (flag: string): boolean {
  return OTHER_COMMANDS_FLAGS.has(flag)
}

/** Help text shared by the commands that take --config. */
export const CONFIG_HELP_ROW = `  ${'--config <file>'.padEnd(36)}settings file, key=value per line (zoo.cfg style): keys are the flag\n` +
  `  ${''.padEnd(36)}names below or ZooKeeper's (tickTime, jute.maxbuffer, …); env ${CONFIG_ENV}\n`
