// `npm run test:soak`: the long soak (not in the default suite). SOAK_SECONDS
// (default 3600), SOAK_FAULT_EVERY_S (300), SOAK_SAMPLE_S (10), SOAK_SESSIONS
// (16), SOAK_GROWTH_MB_PER_H (32), SOAK_P99_RATIO (2), SOAK_OUT (the JSON's
// dir), SOAK_SVG (docs/soak.svg). Exits 1 when the verdict fails.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { verdictLines } from './report'
import { runSoak, soakOptionsFromEnv, writeResult, type SoakOptions, type SoakResult } from './soak'

/** What a re-judged run (SOAK_FROM=saved.json) takes from the environment: the thresholds and where to write. */
function thresholds (o: Omit<SoakOptions, 'log'>): Partial<SoakOptions> {
  return { growthLimitBytesPerHour: o.growthLimitBytesPerHour, p99RatioLimit: o.p99RatioLimit, warmupS: o.warmupS, outDir: o.outDir, svgPath: o.svgPath }
}

async function main (): Promise<number> {
  const opts = soakOptionsFromEnv(process.env, join(__dirname, '..', '..'))
  const from = process.env.SOAK_FROM
  const saved = from !== undefined && from !== '' ? JSON.parse(readFileSync(from, 'utf8')) as SoakResult : undefined
  const result = saved !== undefined
    ? writeResult({ ...saved, options: { ...saved.options, ...thresholds(opts) } })
    : await runSoak({ ...opts, log: (line) => console.log(line) })
  console.log(verdictLines(result).join('\n'))
  return result.verdict.ok ? 0 : 1
}

main().then((code) => process.exit(code), (e: Error) => {
  console.error(`soak: ${e.stack ?? e.message}`)
  process.exit(2)
})
