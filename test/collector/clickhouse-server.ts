/**
 * Moved to test/helpers/clickhouse-server.ts. This re-export stays for
 * test/dashboard/clickhouse.test.ts, which another change owns; it goes once
 * that file imports test/helpers/clickhouse-server.ts.
 */
export * from '../helpers/clickhouse-server.js'
