/**
 * vue-router 4's path ranking, transcribed from its `pathParserRanker`
 * (`compareScoreArray`, `comparePathParserScore`), for tests that hold the
 * anonymizer's ranking to it. A path's score: per segment, the score of each
 * part (text 80, `:p` 60, `:p?` 52, `:p+` 40, `:p(.*)` 20, `:p(.*)*` -8).
 */

/** Within a segment: higher scores first; a lone text first, else the longer. */
const compareSegment = (a: readonly number[], b: readonly number[]): number => {
  for (let i = 0; i < a.length && i < b.length; i++) if (b[i] - a[i]) return b[i] - a[i]
  if (a.length < b.length) return a.length === 1 && a[0] === 80 ? -1 : 1
  if (a.length > b.length) return b.length === 1 && b[0] === 80 ? 1 : -1
  return 0
}

/** Negative when path a ranks first: segment by segment, then the longer, but a splat after. */
export const comparePaths = (a: readonly (readonly number[])[], b: readonly (readonly number[])[]): number => {
  for (let i = 0; i < a.length && i < b.length; i++) {
    const c = compareSegment(a[i], b[i])
    if (c) return c
  }
  const negative = (score: readonly (readonly number[])[]): boolean =>
    score.length > 0 && score[score.length - 1].at(-1)! < 0
  if (Math.abs(b.length - a.length) === 1) {
    if (negative(a)) return 1
    if (negative(b)) return -1
  }
  return b.length - a.length
}
