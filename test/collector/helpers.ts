/**
 * Moved to test/helpers/collector.ts. This re-export stays for the
 * dashboard's tests (test/dashboard/, test/browser/dashboard.test.ts), which
 * another change owns; it goes once they import test/helpers/collector.ts.
 */
export * from '../helpers/collector.js'
