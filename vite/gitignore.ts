/**
 * Whether git ignores the events directory, read from the `.gitignore` files
 * between the project and its repository's root (no `git` process): enough
 * to say "add it to .gitignore" only when it is missing.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, relative, sep } from 'node:path'

/** A gitignore pattern (without `!` or a trailing slash) as a regular expression over one path. */
const toRegExp = (glob: string): RegExp =>
  new RegExp(
    '^' +
      glob
        .split(/(\*\*\/|\*|\?|\[[^\]]*\])/)
        .map((part, i) => {
          if (i % 2 === 0) return part.replace(/\\(.)/g, '$1').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
          if (part === '**/') return '(?:.*/)?'
          if (part === '*') return '[^/]*'
          if (part === '?') return '[^/]'
          return part.replace(/^\[!/, '[^')
        })
        .join('') +
      '$',
  )

/**
 * Whether the lines of one `.gitignore` ignore `path` (relative to that file's
 * directory, `/`-separated) or a directory above it. The last matching line
 * wins, so a `!` line re-includes.
 *
 * @example ignores('.spa-telemetry/\n', '.spa-telemetry') // true
 */
export const ignores = (gitignore: string, path: string): boolean => {
  const segments = path.split('/').filter(Boolean)
  let ignored = false
  for (const raw of gitignore.split(/\r?\n/)) {
    let line = raw.replace(/(?<!\\)\s+$/, '')
    if (!line || line.startsWith('#')) continue
    const negate = line.startsWith('!')
    if (negate) line = line.slice(1)
    // a directory's contents (dir/*, dir/**) are what matters here: the files
    line = line.replace(/\/\*{1,2}$/, '').replace(/\/+$/, '')
    if (!line) continue
    // a pattern with a slash is relative to the .gitignore; without one it matches a name at any depth
    const anchored = line.includes('/')
    const pattern = toRegExp(line.replace(/^\//, ''))
    const hit = segments.some((segment, i) => pattern.test(anchored ? segments.slice(0, i + 1).join('/') : segment))
    if (hit) ignored = !negate
  }
  return ignored
}

/**
 * Whether `dir` is ignored by a `.gitignore` in `root` or above it, up to the
 * directory holding `.git` (or the file system's root).
 *
 * @example isGitIgnored('/app', '/app/.spa-telemetry') // true when /app/.gitignore lists it
 */
export const isGitIgnored = (root: string, dir: string): boolean => {
  for (let at = root; ; at = dirname(at)) {
    const file = join(at, '.gitignore')
    if (existsSync(file) && ignores(readFileSync(file, 'utf8'), relative(at, dir).split(sep).join('/'))) return true
    if (existsSync(join(at, '.git')) || dirname(at) === at) return false
  }
}
