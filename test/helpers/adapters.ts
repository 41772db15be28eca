/**
 * What the adapter tests share: a tracker that only records what an adapter
 * hands it, and Redux Toolkit's development checks without their timing
 * warnings.
 */
import type { Tracker } from '../../src/index.js'

/** A tracker that only records what an adapter hands it. */
export const fakeTracker = () => {
  const calls: unknown[][] = []
  const routes: string[] = []
  const recorder =
    (method: string) =>
    (...args: unknown[]): undefined =>
      void calls.push([method, ...args])
  const tracker: Tracker = {
    page: recorder('page'),
    track: recorder('track'),
    action: recorder('action'),
    error: recorder('error'),
    flush: recorder('flush'),
    optIn: recorder('optIn'),
    optOut: recorder('optOut'),
    isEnabled: () => true,
    anonymize: () => '/',
    addRoutes: added => void routes.push(...added),
    status: (() => 'on') as Tracker['status'],
    routes: () => routes,
    options: { endpoint: '/t', app: { name: 'fake' } },
    destroy: recorder('destroy'),
  }
  const of = (method: string) => calls.filter(([m]) => m === method).map(([, ...args]) => args)
  return {
    tracker,
    calls,
    routes,
    pages: () => of('page'),
    tracks: () => of('track'),
    actions: () => of('action').map(([name]) => name),
  }
}

/**
 * Redux Toolkit's development checks (serializable, immutable), kept, but
 * without their timing warnings: on a slow machine they print "took 35ms"
 * and fail a test for the machine's speed.
 */
export const NO_TIMING_WARNINGS = { serializableCheck: { warnAfter: 10_000 }, immutableCheck: { warnAfter: 10_000 } }
