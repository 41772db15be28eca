/**
 * Who on the machine can read the stored events (issue 21, our own pass). The
 * ndjson store created its directory and day files with the process's umask
 * (0755 and 0644 under the usual 022): every user of a shared server could
 * read each event with its install and session ids, which the dashboard only
 * shows as aggregates of 5 installs or more. Now the directory is 0700 and
 * the files 0600 when the store creates them; what exists keeps its mode.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

import { createCollector, ndjsonStore } from '../../collector/index.js'

const temp = mkdtempSync(join(tmpdir(), 'spa-telemetry-modes-'))
afterAll(() => rmSync(temp, { recursive: true, force: true }))

let n = 0
const post = async (dir: string): Promise<void> => {
  const store = ndjsonStore({ dir })
  const collector = createCollector({ store })
  const body = {
    schema: 1,
    sentAt: new Date().toISOString(),
    library: { name: 'spa-telemetry', version: '0.1.0' },
    app: { name: 'console' },
    anonymousId: 'modesInstall000000001',
    events: [{ id: `modes${n++}`.padEnd(21, 'x'), type: 'page', ts: Date.now(), path: '/' }],
    dropped: 0,
  }
  const response = await collector(
    new Request('http://127.0.0.1/telemetry', {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'text/plain' },
    }),
  )
  expect(response.status).toBe(204)
  await store.close?.()
}
const mode = (path: string): number => statSync(path).mode & 0o777

describe('the ndjson store on a shared machine', () => {
  it('creates its directory (and the parents it makes) for its owner only, and its day files readable by their owner only', async () => {
    // the environment would have let others read (the usual umask 022): this test can fail
    expect(0o666 & ~process.umask() & 0o044).not.toBe(0)
    const dir = join(temp, 'new', 'events')
    await post(dir)
    const [file] = readdirSync(dir)
    expect([mode(join(temp, 'new')), mode(dir), mode(join(dir, file))]).toEqual([0o700, 0o700, 0o600])
  })

  it('leaves a directory that exists as it is (its owner chose who may read it); the files it creates are still 0600', async () => {
    const dir = join(temp, 'shared')
    mkdirSync(dir)
    chmodSync(dir, 0o750)
    await post(dir)
    const [file] = readdirSync(dir)
    expect([mode(dir), mode(join(dir, file))]).toEqual([0o750, 0o600])
  })
})
