/**
 * The collector speaks the tracker's types: its `Payload` is the core's (one
 * definition, src/payload.ts), and what a `format` function receives is what
 * `validatePayload` returns.
 */
import { describe, expectTypeOf, it } from 'vitest'
import type { Payload, PayloadFormat, TelemetryEvent } from 'spa-telemetry'
import { validatePayload } from 'spa-telemetry/collector'
import type { Payload as CollectorPayload, PayloadEvent } from 'spa-telemetry/collector'

describe('spa-telemetry/collector', () => {
  it("Payload and PayloadEvent are the core's types", () => {
    expectTypeOf<CollectorPayload>().toEqualTypeOf<Payload>()
    expectTypeOf<PayloadEvent>().toEqualTypeOf<TelemetryEvent>()
    expectTypeOf<Parameters<PayloadFormat>[0]>().toEqualTypeOf<CollectorPayload>()
  })

  it('a payload of any library version is a Payload; another library is not', () => {
    const result = validatePayload({})
    if (result.ok) expectTypeOf(result.payload.library.version).toEqualTypeOf<string>()
    expectTypeOf({ name: 'spa-telemetry' as const, version: '9.9.9' }).toMatchTypeOf<Payload['library']>()
    // @ts-expect-error another library's payload is not one of ours
    const other: Payload['library'] = { name: 'other', version: '1.0.0' }
    void other
  })
})
