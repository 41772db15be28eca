/**
 * Canary values for the no-leak property tests: user data in every shape it
 * takes in a URL, a title, a payload or an error, each carrying a unique
 * token that must never be found in anything that leaves or is stored.
 */
import fc from 'fast-check'

/** A token that no route table, name or word of the library contains. */
export const token = fc.stringMatching(/^[0-9a-f]{10}$/).map(hex => `cnry${hex}`)

/** One canary: a token dressed as the kind of value that leaks in real apps. */
export const canary: fc.Arbitrary<[token: string, value: string]> = fc
  .tuple(
    token,
    fc.constantFrom(
      (t: string) => t,
      (t: string) => `${t}@example.com`,
      (t: string) => `${t.slice(0, 8)}-${t.slice(8)}-4f3a-9c1d-0b5e7a2c6d81`,
      (t: string) => `Zoë ${t} Łukasiewicz`,
      (t: string) => `${t}${'7'.repeat(12)}`,
      (t: string) => `日本語${t}`,
      (t: string) => t.toUpperCase(),
      (t: string) => [...t].map(c => '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join(''),
      (t: string) => encodeURIComponent(`${t} /?#&=`),
      (t: string) => `${t}//${t}`,
    ),
  )
  .map(([t, dress]) => [t, dress(t)])

/** Every form a token may take after encoding, decoding or case changes. */
const forms = (tokens: string[]): string[] => tokens.flatMap(t => [t, t.toLowerCase()])

const decodeSafely = (text: string): string => {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** The tokens found in `text`, read raw, lower-cased and percent-decoded. */
export const leaks = (text: string, tokens: string[]): string[] => {
  const views = [text, text.toLowerCase(), decodeSafely(text).toLowerCase()]
  return forms(tokens).filter(t => views.some(view => view.includes(t)))
}
