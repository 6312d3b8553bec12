// The settings `start` and `node` share for TTL nodes and the container/TTL
// sweep, under ZooKeeper's names: zookeeper.extendedTypesEnabled and
// znode.container.{checkIntervalMs,maxPerMinute,maxNeverUsedIntervalMs}.

import type { SweepConfig } from '../server/config'
import { BadValue, bool, positiveInt, resolve, type Parser, type Setting } from './settings'
import type { FlagValues } from './flags'

const nonNegativeInt: Parser<number> = (raw) => {
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new BadValue(`'${raw}' is not a non-negative integer`)
  return Number(raw)
}

const interval: Parser<number> = (raw) => {
  const n = positiveInt(raw)
  if (n > 2147483647) throw new BadValue(`${raw} is out of range (1-2147483647)`)
  return n
}

/** zookeeper.enforceQuota (ZooKeeper 3.7+): a boolean flag without a value. */
export const ENFORCE_QUOTA = { flag: 'enforce-quota', env: 'REDKEEPER_ENFORCE_QUOTA', arg: '', parse: bool, defaultText: 'false', help: 'zookeeper.enforceQuota: creates and setData past a hard quota limit (setquota -N/-B) fail with QUOTAEXCEEDED' } satisfies Setting<boolean>

/** A boolean flag without a value (`--extended-types`); its env var takes true/false. */
export const EXTENDED_TYPES = { flag: 'extended-types', env: 'REDKEEPER_EXTENDED_TYPES', arg: '', parse: bool, defaultText: 'false', help: 'zookeeper.extendedTypesEnabled: allow TTL nodes (createTTL, PERSISTENT_WITH_TTL modes)' } satisfies Setting<boolean>

export const SWEEP_SETTINGS = {
  containerCheckIntervalMs: { flag: 'container-check-interval-ms', env: 'REDKEEPER_CONTAINER_CHECK_INTERVAL_MS', arg: '<ms>', parse: interval, defaultText: '60000', help: 'znode.container.checkIntervalMs: how often empty containers and expired TTL nodes are deleted' },
  containerMaxPerMinute: { flag: 'container-max-per-minute', env: 'REDKEEPER_CONTAINER_MAX_PER_MINUTE', arg: '<n>', parse: positiveInt, defaultText: '10000', help: 'znode.container.maxPerMinute: at most this many such deletions a minute' },
  containerMaxNeverUsedMs: { flag: 'container-max-never-used-ms', env: 'REDKEEPER_CONTAINER_MAX_NEVER_USED_MS', arg: '<ms>', parse: nonNegativeInt, defaultText: '0 (never)', help: 'znode.container.maxNeverUsedIntervalMs: also delete containers that never had a child after this long' }
} satisfies Record<string, Setting<unknown>>

/** What these settings resolve to (the sweep keys only when set: the server has the defaults). */
export type ZnodeSettings = SweepConfig & { extendedTypes: boolean, enforceQuota: boolean }

/** extendedTypes, enforceQuota and the sweep settings from flags/env (undefined: the server's default). */
export function resolveSweepSettings (values: FlagValues, str: (flag: string) => string | undefined, env: NodeJS.ProcessEnv): ZnodeSettings {
  const S = SWEEP_SETTINGS
  const out: ZnodeSettings = {
    extendedTypes: resolve(EXTENDED_TYPES, values[EXTENDED_TYPES.flag] === true ? 'true' : undefined, env) ?? false,
    enforceQuota: resolve(ENFORCE_QUOTA, values[ENFORCE_QUOTA.flag] === true ? 'true' : undefined, env) ?? false
  }
  const interval = resolve(S.containerCheckIntervalMs, str(S.containerCheckIntervalMs.flag), env)
  if (interval !== undefined) out.containerCheckIntervalMs = interval
  const perMinute = resolve(S.containerMaxPerMinute, str(S.containerMaxPerMinute.flag), env)
  if (perMinute !== undefined) out.containerMaxPerMinute = perMinute
  const neverUsed = resolve(S.containerMaxNeverUsedMs, str(S.containerMaxNeverUsedMs.flag), env)
  if (neverUsed !== undefined) out.containerMaxNeverUsedMs = neverUsed
  return out
}
