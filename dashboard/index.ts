// spa-telemetry/dashboard: read-only answers over the collector's stores (server only, never in a browser bundle).
export { createDashboard } from './handler.js'
export type { Dashboard, DashboardOptions } from './handler.js'
export { ndjsonEngine } from './engines/ndjson.js'
export type { NdjsonEngineOptions } from './engines/ndjson.js'
export { clickhouseEngine } from './engines/clickhouse.js'
export type { ClickHouseEngineOptions } from './engines/clickhouse.js'
export type {
  Atom,
  Engine,
  EventType,
  FlowResidual,
  FunnelAtom,
  FunnelUnion,
  HourRest,
  KeyColumn,
  Scope,
  Selection,
  Step,
  Union,
  Unit,
} from './engine.js'
export type { Identity } from './views.js'
export type { ClientAddress } from './access.js'
