import { createApp } from 'vue'
import { createTelemetryPlugin } from 'spa-telemetry/vue'

import App from './App.vue'
import { router } from './router.js'
import { tracker } from './telemetry.js'
import './style.css'

createApp(App)
  .use(router)
  .use(createTelemetryPlugin(tracker, router, { captureErrors: true }))
  .mount('#app')
