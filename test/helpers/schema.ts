/**
 * The one payload check every suite shares (jsdom, Node, Chromium): each
 * body a tracker produces is validated against the published
 * `schema/v1.json`, as a validating collector would, then as our collector
 * does (the name and path grammar), so no test can produce a payload a
 * collector refuses unnoticed. Invalid bodies are collected in
 * `invalidPayloads`; `test/setup.ts` fails the test that produced one.
 */
import Ajv from 'ajv'
import { readFileSync } from 'node:fs'

import { validatePayload as collectorCheck } from '../../collector/validate.js'

const ajv = new Ajv({ allErrors: true })
ajv.addFormat('date-time', text => !Number.isNaN(Date.parse(text)))
/** The published JSON Schema, as collectors use it. */
export const validatePayload = ajv.compile(JSON.parse(readFileSync('schema/v1.json', 'utf8')))

/** Bodies that failed the check since the last test ended, with the reason. */
export const invalidPayloads: string[] = []

/**
 * Checks one request body: schema 1, or a Segment batch (`segmentFormat`)
 * whose events carry nothing but what schema 1 allows. Returns the reason
 * it is invalid (also kept in `invalidPayloads`), or `undefined`.
 */
export const checkBody = (body: unknown): string | undefined => {
  let reason: string | undefined
  try {
    const payload = JSON.parse(String(body))
    if (Array.isArray(payload?.batch)) reason = payload.batch.length ? undefined : 'an empty Segment batch'
    else if (!validatePayload(payload)) reason = JSON.stringify(validatePayload.errors)
    else {
      // and as the collector checks it (src/grammar.ts): a tracker never sends what the collector refuses
      const checked = collectorCheck(payload)
      if (!checked.ok) reason = checked.reason
    }
  } catch {
    reason = 'not JSON'
  }
  if (reason) invalidPayloads.push(`${reason}: ${String(body).slice(0, 300)}`)
  return reason
}
