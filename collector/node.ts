/**
 * The collector on Node's `http` server, through srvx (a maintained adapter
 * between Web handlers and `node:http`), imported only when used.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

import { checkNumber, setupError } from './check.js'
import type { Collector } from './handler.js'

/** Options of {@link listen}. */
export interface ListenOptions {
  /** The port; 0 picks a free one. Default 8787. */
  port?: number
  /** The address to listen on. Default `127.0.0.1` (this machine only); `0.0.0.0` for every interface. */
  hostname?: string
  /** Time allowed for a request's headers (slow clients are cut off). Default 10000 ms. */
  headersTimeoutMs?: number
}

/** A running server. */
export interface Listener {
  /** `http://host:port/`. */
  url: string
  /** Stops accepting connections and ends open ones. */
  close(): Promise<void>
}

/**
 * Serves a handler on Node's `http` server.
 *
 * @example
 * ```ts
 * import { createCollector, listen, ndjsonStore } from 'spa-telemetry/collector'
 *
 * const server = await listen(createCollector({ store: ndjsonStore({ dir: './events' }) }), { port: 8787 })
 * console.log(`collector at ${server.url}`)
 * ```
 */
export const listen = async (handler: Collector, options: ListenOptions = {}): Promise<Listener> => {
  if (typeof handler !== 'function')
    throw setupError('handler', handler, 'a function (request) => Response, such as createCollector(…)')
  const port = checkNumber('port', options.port ?? 8787, 0, 65535, true)
  const hostname = options.hostname ?? '127.0.0.1'
  if (typeof hostname !== 'string' || !hostname)
    throw setupError('hostname', hostname, 'a host name or address such as "127.0.0.1"')
  const headersTimeout = checkNumber('headersTimeoutMs', options.headersTimeoutMs ?? 10_000, 1, 600_000, true)
  const { serve } = await import('srvx/node')
  const server = serve({
    fetch: handler,
    port,
    hostname,
    silent: true,
    gracefulShutdown: false,
    node: { headersTimeout, requestTimeout: Math.max(headersTimeout, 60_000) },
  })
  await server.ready()
  return {
    url: server.url ?? `http://${hostname}:${port}/`,
    close: () => server.close(true),
  }
}

/**
 * The handler as a Node `(request, response)` listener, for Express, Connect,
 * Vite's middleware or `http.createServer`.
 *
 * @example
 * ```ts
 * import express from 'express'
 * import { createCollector, ndjsonStore, toNodeListener } from 'spa-telemetry/collector'
 *
 * const app = express()
 * app.post('/telemetry', toNodeListener(createCollector({ store: ndjsonStore({ dir: './events' }) })))
 * ```
 */
export const toNodeListener = (
  handler: Collector,
): ((request: IncomingMessage, response: ServerResponse) => Promise<void>) => {
  if (typeof handler !== 'function')
    throw setupError('handler', handler, 'a function (request) => Response, such as createCollector(…)')
  let listener: ((request: IncomingMessage, response: ServerResponse) => unknown) | undefined
  return async (request, response) => {
    listener ??= (await import('srvx/node')).toNodeHandler(handler) as typeof listener & object
    await listener(request, response)
  }
}
