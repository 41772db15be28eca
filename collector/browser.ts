// What a browser bundle gets for spa-telemetry/collector (the "browser" export
// condition): the collector is server-only, so importing it fails loudly.
const fail = (): never => {
  throw new Error(
    '[spa-telemetry] spa-telemetry/collector is server-only: import it in Node, Deno, Bun or a worker, never in a browser bundle',
  )
}
fail()

export const createCollector = fail
export const listen = fail
export const toNodeListener = fail
export const ndjsonStore = fail
export const clickhouseDDL = fail
export const clickhouseStore = fail
export const segmentStore = fail
export const posthogStore = fail
export const validatePayload = fail
