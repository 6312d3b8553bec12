import type { TopologyKind } from '../support/topology'

/**
 * The distributed topologies a suite runs against: RK_TOPOLOGIES
 * (comma-separated), default "node1,lb3". An unknown name is an error.
 */
export function topologyKinds (spec = process.env.RK_TOPOLOGIES): Array<Exclude<TopologyKind, 'embedded'>> {
  if (spec === undefined || spec.trim() === '') return ['node1', 'lb3']
  const out = spec.split(',').map((s) => s.trim()).filter((s) => s !== '')
  for (const k of out) {
    if (k !== 'node1' && k !== 'lb3') throw new Error(`RK_TOPOLOGIES: unknown topology "${k}" (known: node1, lb3)`)
  }
  return out as Array<'node1' | 'lb3'>
}
