/**
 * A throwaway ClickHouse server for the tests: free ports, its own data
 * directory, stopped by its PID. A watchdog shell kills it if this process
 * dies first (its stdin, a pipe from this process, closes), so the server
 * never outlives the test run. A missing clickhouse-server fails loudly.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const CLICKHOUSE_SERVER = process.env.CLICKHOUSE_SERVER || '/usr/sbin/clickhouse-server'
const CONFIG = process.env.CLICKHOUSE_CONFIG || '/etc/clickhouse-server/config.xml'

export interface ClickHouseServer {
  url: string
  pid: number
  stop(): Promise<void>
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

/** Starts the server and resolves once it answers on HTTP (within `ms`). */
export const startClickHouse = async (ms = 20_000): Promise<ClickHouseServer> => {
  if (!existsSync(CLICKHOUSE_SERVER) || !existsSync(CONFIG)) {
    throw new Error(
      `${CLICKHOUSE_SERVER} (or ${CONFIG}) is missing: install it with apt-get install -y clickhouse-server (.ci/run does), or set CLICKHOUSE_SERVER`,
    )
  }
  const dir = mkdtempSync(join(tmpdir(), 'spa-telemetry-clickhouse-'))
  mkdirSync(join(dir, 'tmp'))
  const [http, tcp, interserver] = [await freePort(), await freePort(), await freePort()]
  const args = [
    `--config-file=${CONFIG}`,
    '--',
    `--path=${dir}/`,
    `--tmp_path=${dir}/tmp/`,
    `--http_port=${http}`,
    `--tcp_port=${tcp}`,
    `--interserver_http_port=${interserver}`,
    `--logger.log=${dir}/log`,
    `--logger.errorlog=${dir}/err`,
    '--logger.level=warning',
  ]
  // the watchdog: starts the server, prints its PID, kills it and removes its data when stdin closes
  const script =
    '"$@" >/dev/null 2>&1 & pid=$!; echo $pid; cat >/dev/null; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$CLICKHOUSE_DIR"; exit 0'
  const watchdog: ChildProcess = spawn('sh', ['-c', script, 'watchdog', CLICKHOUSE_SERVER, ...args], {
    stdio: ['pipe', 'pipe', 'ignore'],
    env: { ...process.env, CLICKHOUSE_DIR: dir },
  })
  const pid = await new Promise<number>((resolve, reject) => {
    watchdog.stdout!.once('data', data => resolve(Number(String(data).trim())))
    watchdog.once('error', reject)
  })
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
    watchdog.stdin!.end()
    if (watchdog.exitCode === null) await new Promise(resolve => watchdog.once('exit', resolve))
    rmSync(dir, { recursive: true, force: true })
  }
  const url = `http://127.0.0.1:${http}`
  const until = Date.now() + ms
  for (;;) {
    try {
      if ((await fetch(`${url}/ping`)).ok) return { url, pid, stop }
    } catch {
      // not yet
    }
    let alive = true
    try {
      process.kill(pid, 0)
    } catch {
      alive = false
    }
    if (!alive || Date.now() > until) {
      const log = existsSync(join(dir, 'err')) ? readFileSync(join(dir, 'err'), 'utf8').slice(-2000) : ''
      await stop()
      throw new Error(
        `clickhouse-server did not answer on ${url} within ${ms} ms${alive ? '' : ' (it exited)'}\n${log}`,
      )
    }
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

/** A TCP proxy in front of a server, to take it away and back mid-run: `down()` refuses connections, `hang()` accepts them and never answers. */
export interface Proxy {
  url: string
  down(): Promise<void>
  hang(): Promise<void>
  up(): Promise<void>
  close(): Promise<void>
}

/** Starts a proxy to `target` (`http://host:port`) on a free port. */
export const startProxy = async (target: string): Promise<Proxy> => {
  const { connect, createServer: createTcpServer } = await import('node:net')
  const { hostname, port: targetPort } = new URL(target)
  const port = await freePort()
  const sockets = new Set<import('node:net').Socket>()
  let mode: 'up' | 'hang' = 'up'
  let server: import('node:net').Server | undefined
  const pairs = new Set<{ client: import('node:net').Socket; upstream: import('node:net').Socket }>()
  const track = (socket: import('node:net').Socket): void => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
  }
  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      server = createTcpServer(client => {
        track(client)
        if (mode === 'hang') return // accepted, never answered
        const upstream = connect(Number(targetPort), hostname)
        track(upstream)
        client.pipe(upstream).pipe(client)
        pairs.add({ client, upstream })
        client.on('close', () => upstream.destroy())
        upstream.on('close', () => client.destroy())
      })
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve())
    })
  const stop = (): Promise<void> =>
    new Promise(resolve => {
      for (const socket of sockets) socket.destroy()
      pairs.clear()
      if (!server) return resolve()
      server.close(() => resolve())
      server = undefined
    })
  await listen()
  return {
    url: `http://127.0.0.1:${port}`,
    down: stop,
    // connections already open (the client's keep-alive pool) stay open and go silent: closing them
    // raced the client's next request on a loaded machine, which then failed at once instead of hanging
    hang: async () => {
      mode = 'hang'
      for (const { client, upstream } of pairs) {
        client.unpipe(upstream)
        upstream.unpipe(client)
      }
      pairs.clear()
    },
    up: async () => {
      await stop()
      mode = 'up'
      await listen()
    },
    close: stop,
  }
}
