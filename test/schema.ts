/**
 * Moved to test/helpers/schema.ts (the payload check every suite shares).
 * This re-export stays while docs/privacy.md links here; it goes with that
 * link.
 */
export * from './helpers/schema.js'
