import { createTracker } from 'spa-telemetry'

/**
 * The demo's tracker. Routes come from vue-router through the Vue plugin;
 * batches are small and frequent so that the panel fills as you click.
 */
export const tracker = createTracker({
  endpoint: '/telemetry',
  app: { name: 'acme-console', version: '1.0.0', env: import.meta.env.MODE },
  batch: { size: 5, intervalMs: 1000 },
  keepQuery: { tab: ['rows', 'schema'] },
  captureErrors: true,
  debug: import.meta.env.DEV,
})
