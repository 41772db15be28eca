/**
 * path-to-regexp, the reference the anonymizer is tested against: for one
 * template, a path is the template when path-to-regexp's `match()` matches
 * it, and dropped when it does not.
 */
import { match } from 'path-to-regexp'
import { expect } from 'vitest'

import { createAnonymizer } from '../../src/anonymize.js'

/** Expects the anonymizer, with `route` alone and `unmatched: 'drop'`, to answer what path-to-regexp answers for each path. */
export const expectAsPathToRegexp = (route: string, paths: readonly string[]): void => {
  const { anonymize } = createAnonymizer({ routes: [route], unmatched: 'drop' })
  const expected = match(route)
  for (const path of paths) expect([path, anonymize(path)]).toEqual([path, expected(path) ? route : null])
}
