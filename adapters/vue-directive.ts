/**
 * The `v-track` directive of `spa-telemetry/vue`: a track event per click
 * (or other DOM event), with a static name and props; never the element's
 * text, attributes or input values.
 */
import type { PropValue, Tracker } from 'spa-telemetry'

import { safely } from './guards.js'

/** A `v-track` value: an event name, or a name with static props. */
export type TrackValue = string | { name: string; props?: Record<string, PropValue> }

interface TrackBinding {
  value: TrackValue
  arg?: string
}
interface Listening {
  event: string
  value: TrackValue
  listener: () => void
}

/**
 * The `v-track` directive: records a track event when the element is
 * clicked (or on the DOM event its argument names), with the name and
 * static props of its value. It never reads the element's text, attributes
 * or input values. The plugin registers it; use this without the plugin.
 *
 * @example
 * ```vue
 * <button v-track="'export_clicked'">Export</button>
 * <form v-track:submit="{ name: 'table_created', props: { kind: 'grid' } }">…</form>
 * ```
 */
export const createTrackDirective = (tracker: Tracker) => {
  const listening = new WeakMap<Element, Listening>()
  const unbind = (el: Element): void =>
    safely(() => {
      const current = listening.get(el)
      if (current) el.removeEventListener(current.event, current.listener)
      listening.delete(el)
    })
  const bind = (el: Element, binding: TrackBinding): void =>
    safely(() => {
      const { value, arg = 'click' } = binding
      const current = listening.get(el)
      // a new value is read at the next event; a new event name needs a new listener
      if (current?.event === arg) return void (current.value = value)
      unbind(el)
      const entry: Listening = {
        event: arg,
        value,
        listener: () =>
          safely(() =>
            typeof entry.value === 'string'
              ? tracker.track(entry.value)
              : tracker.track(entry.value.name, entry.value.props),
          ),
      }
      el.addEventListener(arg, entry.listener)
      listening.set(el, entry)
    })
  return { mounted: bind, updated: bind, unmounted: unbind }
}
