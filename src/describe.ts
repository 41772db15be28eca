import type { Tracker, TrackerStatus } from './types.js'

/** Why tracking is off, in words. */
const OFF: Record<Exclude<TrackerStatus, 'on'>, string> = {
  'opted-out': 'you opted out',
  'awaiting-consent': 'waiting for your consent',
  disabled: 'disabled by the app',
  'do-not-track': 'your browser sends Do Not Track',
  'global-privacy-control': 'your browser sends Global Privacy Control',
  inactive: 'not running in a browser',
}

/**
 * A plain-language disclosure of what this tracker collects, what it never
 * collects, where it sends it, and whether and why tracking is off: for a
 * privacy page or a settings screen. A separate import, so that apps that
 * do not show it do not ship it.
 *
 * @example
 * ```ts
 * import { describeTracker } from 'spa-telemetry'
 *
 * privacyPage.textContent = describeTracker(tracker)
 * // 'console collects anonymous usage data …'
 * ```
 */
export const describeTracker = (tracker: Tracker): string => {
  const { options } = tracker
  const routes = tracker.routes()
  const status = tracker.status()
  const off = status === 'on' ? '' : OFF[status]
  const {
    app,
    endpoint,
    identity = 'persistent',
    heartbeatMs,
    captureErrors,
    keepQuery,
    instanceId,
    transport,
    persist = true,
  } = options
  const hours = heartbeatMs && Math.round(heartbeatMs / 36e5)
  const list = (items: unknown[]): string =>
    items
      .filter(Boolean)
      .map(item => `- ${item}`)
      .join('\n')
  return `${app.name}${app.version ? ' ' + app.version : ''} collects anonymous usage data: which screens are opened and which features are used, never whose data is shown.

Collected:
${list([
  `the screen's route template, such as ${JSON.stringify(routes[0] || '/projects/:id')}: the names and ids in the address are replaced, and unknown addresses keep only the app's own words, with * for the rest`,
  'the previous screen, as a template too',
  'where you came from: "external", a known site\'s name, or a screen of this app as a template',
  keepQuery &&
    (Array.isArray(keepQuery)
      ? `whether the address has the query keys ${keepQuery.join(', ')}, never their values`
      : `the query keys ${Object.keys(keepQuery).join(', ')}, with values only from a fixed list`),
  'the names of actions and features you use, with simple values (text, numbers, yes or no) as the app passes them',
  captureErrors && 'the type of errors (like TypeError), never their message',
  hours &&
    `a heartbeat, at most every ${hours >= 1 ? hours + ' hours' : Math.round(heartbeatMs / 6e4) + ' minutes'}, while the app is open`,
  identity === 'persistent'
    ? 'a random install id kept in this browser, and a session id that changes after 30 minutes of inactivity'
    : identity === 'session'
      ? 'a random id for this tab session only'
      : 'no identifier of any kind',
  `the app's name${app.version ? ', version' : ''}${app.env ? ', environment' : ''}${instanceId ? ', the id of its server' : ''} and the time of each event`,
])}

Never sent: the full address, its query${keepQuery ? ' (but for the keys above)' : ''} and #fragment, page titles, text on the screen or typed into forms, the app's data and state, error messages, or anything to fingerprint your device. What the app passes with an action is sent as the app passes it.

Sent to ${endpoint} in small batches, ${
    transport === 'beacon'
      ? "with the browser's beacon, which also sends this page's address (as its referrer policy allows) and this site's cookies with each request"
      : "without cookies and without this page's address in the request headers (where a browser cannot send a request that outlives the page, the last batch goes with its beacon, which sends both)"
  }. The server that receives the data sees your IP address, as with any request, but it is not part of the data. ${
    persist
      ? 'Events wait in this browser (for at most 7 days) until the server confirms it received them.'
      : 'Events wait in memory until the server confirms it received them.'
  }

${status === 'opted-out' ? 'Tracking is off: you opted out. Nothing is collected or sent; you can opt in again at any time.' : `Tracking is ${off ? `off: ${off}` : 'on'}. ${options.respectPrivacySignals === false ? 'This app does not honour Do Not Track or Global Privacy Control.' : 'Do Not Track and Global Privacy Control turn it off.'} ${options.consent === 'opt-in' ? (status === 'on' ? 'You agreed; you can withdraw at any time, which deletes what is waiting to be sent.' : 'Nothing is collected until you agree; you can withdraw at any time.') : 'You can opt out at any time; opting out deletes what is waiting to be sent.'}`}`
}
