export { createAnonymizer } from './anonymize.js'
export type { Anonymizer, AnonymizerOptions, KeepQuery, LocationLike, Placeholder, Unmatched } from './anonymize.js'
export { describeTracker } from './describe.js'
export { LIBRARY } from './payload.js'
export type { Payload, PayloadFormat } from './payload.js'
export type { RouteTelemetry, RouterTrackingOptions } from './routing.js'
export { segmentFormat } from './segment.js'
export { createTracker } from './tracker.js'
export type { Transport } from './transport.js'
export type {
  ActionOptions,
  PageOptions,
  PropValue,
  TelemetryEvent,
  Tracker,
  TrackerOptions,
  TrackerStatus,
  TrackerStatusDetail,
} from './types.js'
