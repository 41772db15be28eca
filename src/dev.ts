/**
 * The development flag, for the whole core: `true` in the development build
 * (dist/dev/, and the sources under test), `false` in the production build.
 * The build replaces `process.env.NODE_ENV` and folds `DEV` into every module
 * that imports it, so each `if (DEV)` branch and `DEV ? text : ''` is left out
 * of dist/ (test/builds.test.ts checks both). The adapters, which import the
 * core only by its public name, keep the same line in adapters/guards.ts.
 */
export const DEV = process.env.NODE_ENV !== 'production'
