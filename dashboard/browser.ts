// What a browser bundle gets for spa-telemetry/dashboard (the "browser" export
// condition): the dashboard is server-only, so importing it fails loudly.
const fail = (): never => {
  throw new Error(
    '[spa-telemetry] spa-telemetry/dashboard is server-only: import it in Node, Deno, Bun or a worker, never in a browser bundle',
  )
}
fail()

export const createDashboard = fail
export const ndjsonEngine = fail
export const clickhouseEngine = fail
