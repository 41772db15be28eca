/**
 * The dashboard's HTML: the page shell (its script draws everything from the
 * API), the login form, and refusals. Strict headers on every response: a CSP
 * that allows only this dashboard's own script, style and API, no framing,
 * no referrer, no caching of answers.
 */

/** Every response's security headers. */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; require-trusted-types-for 'script'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
}

const escape = (text: string): string => text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)

const shell = (title: string, body: string, script = false): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escape(title)}</title>
<link rel="stylesheet" href="app.css">
${script ? '<script type="module" src="app.js"></script>\n' : ''}</head>
<body>
${body}
</body>
</html>
`

/** The page: a skeleton the script fills in (app.js). */
export const page = (): string =>
  shell(
    'spa-telemetry dashboard',
    `<a class="skip" href="#main">Skip to the answers</a>
<header class="top">
  <h1>spa-telemetry</h1>
  <nav id="views" aria-label="Views"></nav>
</header>
<form id="filters" class="filters" aria-label="Period and filters"></form>
<div id="notice" class="notice" role="status"></div>
<main id="main" tabindex="-1"><p class="loading">Loading…</p></main>
<noscript><p class="notice">The dashboard draws its answers with JavaScript. Its API is at <code>api/</code>.</p></noscript>`,
    true,
  )

/** The login form (the token is posted, never put in a URL). */
export const login = (message: string): string =>
  shell(
    'spa-telemetry dashboard: sign in',
    `<main class="login">
  <h1>spa-telemetry dashboard</h1>
  <form method="post" action="login">
    <label for="token">Dashboard token</label>
    <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
    <button type="submit">Sign in</button>
  </form>
  ${message ? `<p class="error" role="alert">${escape(message)}</p>` : ''}
  <p>The token was set when the dashboard was started (<code>SPA_TELEMETRY_DASHBOARD_TOKEN</code>). Signing in sets a cookie for this site only; off this machine it is sent over HTTPS only.</p>
</main>`,
  )

/** A refusal as a page. */
export const refusal = (title: string, text: string): string =>
  shell(title, `<main class="login"><h1>${escape(title)}</h1><p>${escape(text)}</p></main>`)
