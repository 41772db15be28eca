/**
 * The page's script and stylesheet (the client in dashboard/page/, with
 * uPlot, bundled by `npm run build` into dist/dashboard/assets/), read once
 * from beside the built module and served by the dashboard itself: the page
 * loads nothing from anywhere else.
 */

/** An asset: its bytes and type. */
export interface Asset {
  body: Uint8Array
  type: string
}

const FILES: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
}

let loading: Promise<Map<string, Asset>> | undefined

/** Reads the assets (once). Built: `./assets/` beside this module; from the sources (tests): the build's `dist/dashboard/assets/`. */
export const loadAssets = (): Promise<Map<string, Asset>> =>
  (loading ??= (async () => {
    const { readFile } = await import('node:fs/promises')
    const places = [
      new URL(/* @vite-ignore */ './assets/', import.meta.url),
      new URL(/* @vite-ignore */ '../dist/dashboard/assets/', import.meta.url),
    ]
    for (const place of places) {
      try {
        const assets = new Map<string, Asset>()
        for (const [name, type] of Object.entries(FILES))
          assets.set(name, { body: await readFile(new URL(name, place)), type })
        return assets
      } catch {
        // not here
      }
    }
    throw new Error('[spa-telemetry] the dashboard page is not built: run npm run build')
  })().catch(error => {
    loading = undefined
    throw error
  }))
