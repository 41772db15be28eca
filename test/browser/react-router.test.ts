/**
 * `spa-telemetry/react-router` in Debian's Chromium: a React 19 app on React
 * Router 7, bundled as an app bundles it (production build, minified), the real
 * tracker sending to a local collector. Real link clicks, form submissions,
 * Back and Forward; assertions count the events the collector received.
 * jsdom covers the rest (test/adapters/react-router*.test.tsx).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { minify } from 'vite'
import type { Browser, Page } from 'playwright-core'

import { bundle, launch, startServer } from './harness.js'
import type { TestServer } from './harness.js'

let browser: Browser
let server: TestServer
let tags = 0

/**
 * The app: a data router (browser or hash) or a component router, the same
 * routes, pages with links, a form whose action redirects, a loader that
 * redirects, and an editor that blocks leaving while it has changes.
 */
const APP = `
import { createElement as h, useState } from 'react'
import { createRoot } from 'react-dom/client'
import { BrowserRouter, Form, Link, Outlet, RouterProvider, createBrowserRouter, createHashRouter, redirect, useBlocker, useRoutes } from 'react-router'
import { createTracker } from 'spa-telemetry'
import { trackRouter, useTrackRoutes } from ${JSON.stringify(join(process.cwd(), 'adapters/react-router.ts'))}

const link = (to, text) => h(Link, { to, id: text }, text)
const Layout = () => h('main', null,
  h('nav', null,
    link('/projects/p_8f2k', 'project'), link('/projects/p_8f2k/tables/customers', 'table'), link('/projects/p_8f2k?q=alice', 'query'),
    link('/settings', 'settings'), link('/settings/billing', 'billing'), link('/docs/guide/alice', 'docs'),
    link('/old/p_9', 'old'), link('/login', 'login-page'), link('/edit', 'edit'), link('/nope/alice@example.com', 'nope'), link('/', 'home')),
  h(Outlet))
const Page = ({ title }) => h('h1', null, title)
const Login = () => h(Form, { method: 'post', action: '/login' }, h(Page, { title: 'login' }), h('button', { id: 'login' }, 'log in'))
const Editor = () => {
  const [dirty, setDirty] = useState(false)
  const blocker = useBlocker(dirty)
  return h('section', null, h(Page, { title: 'editor' }),
    h('button', { id: 'type', onClick: () => setDirty(true) }, 'type'),
    blocker.state === 'blocked' ? h('p', null, h('button', { id: 'stay', onClick: () => blocker.reset() }, 'stay'), h('button', { id: 'leave', onClick: () => blocker.proceed() }, 'leave')) : null)
}
const routes = [{
  path: '/', element: h(Layout), children: [
    { index: true, element: h(Page, { title: 'home' }) },
    { path: 'projects/:project_id', element: h(Outlet), children: [
      { index: true, element: h(Page, { title: 'project' }) },
      { path: 'tables/:table_id', element: h(Page, { title: 'table' }), handle: { telemetry: { name: 'table' } } },
    ] },
    { path: 'settings/:tab?', element: h(Page, { title: 'settings' }) },
    { path: 'docs/*', element: h(Page, { title: 'docs' }) },
    { path: 'old/:id', loader: ({ params }) => redirect('/projects/' + params.id), element: h(Page, { title: 'old' }) },
    { path: 'login', action: () => redirect('/projects/welcome'), element: h(Login) },
    { path: 'edit', element: h(Editor) },
    { path: '*', element: h(Page, { title: 'not found' }) },
  ],
}]

window.start = ({ endpoint, kind }) => {
  const tracker = createTracker({ endpoint, app: { name: 'react-e2e' }, hash: kind === 'hash', base: kind === 'hash' ? undefined : '/app', batch: { size: 1000, intervalMs: 600000 } })
  const root = createRoot(document.getElementById('root'))
  if (kind === 'component') {
    const App = () => (useTrackRoutes(tracker, routes), useRoutes(routes))
    root.render(h(BrowserRouter, { basename: '/app' }, h(App)))
  } else {
    const router = kind === 'hash' ? createHashRouter(routes) : createBrowserRouter(routes, { basename: '/app' })
    trackRouter(tracker, router)
    root.render(h(RouterProvider, { router }))
  }
}
`

beforeAll(async () => {
  // inside the project, so that the bundler finds react and react-router; ignored by git
  const dir = join(process.cwd(), 'test/browser/.build')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'react-router-app.ts'), APP)
  const [launched, started, library] = await Promise.all([
    launch(),
    startServer(),
    bundle(join(dir, 'react-router-app.ts'), 'react-router-app'),
  ])
  ;[browser, server] = [launched, started]
  // minified as an app's production bundle is: React and React Router load in a fraction of the time
  const { code, errors } = await minify('react-router-app.js', library)
  expect(errors).toEqual([])
  server.route('/lib/react-router-app.js', code)
  server.route(
    '/app/',
    '<!doctype html><title>Alice’s console</title><div id="root"></div><script type="module" src="/lib/react-router-app.js"></script>',
  )
}, 60_000)
afterAll(async () => {
  await browser?.close()
  await server?.close()
})

/** Opens the app at `path`, starts it with a fresh collector tag, and waits for `title`. */
const open = async (kind: 'data' | 'hash' | 'component', path: string, title: string): Promise<[Page, string]> => {
  const tag = `react-router${++tags}`
  const page = await (await browser.newContext()).newPage()
  await page.goto(server.origin + path)
  await page.waitForFunction(() => 'start' in window)
  await page.evaluate(options => (window as unknown as { start(o: object): void }).start(options), {
    endpoint: `/collect/${tag}`,
    kind,
  })
  await heading(page, title)
  return [page, tag]
}

/** Waits until the page shows the heading `title`. */
const heading = (page: Page, title: string) =>
  page.getByRole('heading', { name: title, exact: true }).waitFor({ timeout: 3000 })

/** Clicks the link or button with this id and waits for the heading `title`. */
const click = async (page: Page, id: string, title: string): Promise<void> => {
  await page.click('#' + id.replace(/ /g, '\\ '))
  await heading(page, title)
}

/** Closes the page (its pagehide flushes the queue) and returns what the collector got, as [path, from, name]. */
const sent = async (page: Page, tag: string, count: number) => {
  const context = page.context()
  await page.close()
  await server.waitFor(() => server.events(tag).length >= count)
  await context.close()
  const events = server.events(tag)
  const bodies = server
    .received(tag)
    .map(r => r.body + JSON.stringify(r.headers))
    .join('\n')
  for (const secret of ['p_8f2k', 'customers', 'alice', 'Alice', 'p_9', 'billing', 'guide'])
    expect(bodies).not.toContain(secret)
  return events.map(({ type, path, from, name }) => [type, path, from, name])
}

describe('React Router in Chromium', () => {
  it('a data router (createBrowserRouter): clicks, a loader and an action redirect, a blocked navigation, Back and Forward', async () => {
    const [page, tag] = await open('data', '/app/projects/p_8f2k', 'project')
    // a query alone is no page view
    await click(page, 'query', 'project')
    await click(page, 'table', 'table')
    await click(page, 'settings', 'settings')
    await click(page, 'billing', 'settings')
    await click(page, 'docs', 'docs')
    // the loader redirects to /projects/p_9
    await click(page, 'old', 'project')
    // the form's action redirects to /projects/welcome
    await click(page, 'login-page', 'login')
    await click(page, 'login', 'project')
    // the editor blocks leaving once something is typed: staying counts nothing, leaving counts once
    await click(page, 'edit', 'editor')
    await page.click('#type')
    await page.click('#table')
    await page.click('#stay')
    await page.click('#table')
    await page.click('#leave')
    await heading(page, 'table')
    await page.goBack()
    await heading(page, 'editor')
    await page.goForward()
    await heading(page, 'table')
    await click(page, 'nope', 'not found')
    const expected = [
      ['/projects/:project_id', undefined],
      ['/projects/:project_id/tables/:table_id', 'table'],
      ['/settings{/:tab}', undefined],
      ['/settings{/:tab}', undefined],
      ['/docs{/*splat}', undefined],
      ['/projects/:project_id', undefined],
      ['/login', undefined],
      ['/projects/:project_id', undefined],
      ['/edit', undefined],
      ['/projects/:project_id/tables/:table_id', 'table'],
      ['/edit', undefined],
      ['/projects/:project_id/tables/:table_id', 'table'],
      ['/*/*', undefined],
    ]
    expect(await sent(page, tag, expected.length)).toEqual(
      expected.map(([path, name], i) => ['page', path, expected[i - 1]?.[0], name]),
    )
  })

  it('a hash router (createHashRouter) with a hash: true tracker: clicks, Back and Forward', async () => {
    const [page, tag] = await open('hash', '/app/#/projects/p_8f2k', 'project')
    await click(page, 'table', 'table')
    await click(page, 'nope', 'not found')
    await page.goBack()
    await heading(page, 'table')
    await page.goForward()
    await heading(page, 'not found')
    expect(await sent(page, tag, 5)).toEqual([
      ['page', '/projects/:project_id', undefined, undefined],
      ['page', '/projects/:project_id/tables/:table_id', '/projects/:project_id', 'table'],
      ['page', '/*/*', '/projects/:project_id/tables/:table_id', undefined],
      ['page', '/projects/:project_id/tables/:table_id', '/*/*', 'table'],
      ['page', '/*/*', '/projects/:project_id/tables/:table_id', undefined],
    ])
  })

  it('a component router (BrowserRouter, useRoutes, useTrackRoutes): clicks, Back and Forward', async () => {
    const [page, tag] = await open('component', '/app/projects/p_8f2k', 'project')
    await click(page, 'table', 'table')
    await click(page, 'query', 'project')
    await click(page, 'docs', 'docs')
    await page.goBack()
    await heading(page, 'project')
    await page.goForward()
    await heading(page, 'docs')
    expect(await sent(page, tag, 5)).toEqual([
      ['page', '/projects/:project_id', undefined, undefined],
      ['page', '/projects/:project_id/tables/:table_id', '/projects/:project_id', 'table'],
      ['page', '/projects/:project_id', '/projects/:project_id/tables/:table_id', undefined],
      ['page', '/docs{/*splat}', '/projects/:project_id', undefined],
      ['page', '/projects/:project_id', '/docs{/*splat}', undefined],
      ['page', '/docs{/*splat}', '/projects/:project_id', undefined],
    ])
  })
})
