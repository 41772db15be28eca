/**
 * Consent under storage trouble and signals that change while the page
 * runs (issue 21, items 4, 5 and 8): the choice survives a full storage
 * and a cleared one, and a privacy signal switched on drops what waits.
 * Two real tabs and Chromium's own quota: test/browser/tracker.test.ts.
 */
import { describe, expect, it, vi } from 'vitest'

import { destroyAll, queueKey, setup, useFakeBrowser } from './helpers/browser.js'

const routes = ['/', '/nc/:project_id']
const CONSENT = 'spa-telemetry:console:consent'
const ID = 'spa-telemetry:console:id'

useFakeBrowser()

/**
 * Fills localStorage to its last character (jsdom's quota, as an app's own
 * data can fill a real one); returns what frees the filler again, as a
 * removal in another tab (with its storage event) or in this one.
 */
const fillStorage = () => {
  const keys = ['filler']
  let value = ''
  // the first filler grows until not one more character fits
  for (let size = 1 << 22; size >= 1; size >>= 1) {
    try {
      localStorage.setItem('filler', value + 'x'.repeat(size))
      value += 'x'.repeat(size)
    } catch {
      // full at this size: a smaller piece may still fit
    }
  }
  return {
    inThisTab: () => keys.forEach(key => localStorage.removeItem(key)),
    inAnotherTab: () => {
      keys.forEach(key => localStorage.removeItem(key))
      window.dispatchEvent(new StorageEvent('storage', { key: keys[0], newValue: null, storageArea: localStorage }))
    },
  }
}

/** What another tab of the origin does to this one's storage, and the event this tab then receives. */
const otherTab = {
  clears: () => {
    localStorage.clear()
    window.dispatchEvent(new StorageEvent('storage', { key: null, storageArea: localStorage }))
  },
  removes: (key: string) => {
    localStorage.removeItem(key)
    window.dispatchEvent(new StorageEvent('storage', { key, newValue: null, storageArea: localStorage }))
  },
}

const debugLines = () => {
  const info = vi.spyOn(console, 'info').mockImplementation(() => {})
  return () => info.mock.calls.map(call => String(call[0]))
}

describe('the opt-out survives a full storage', () => {
  it("optOut() frees the tracker's own queue first: with the queue holding the last room, the choice is stored and holds after a reload", async () => {
    const { tracker } = setup({ routes }, { status: 503 })
    for (let i = 0; i < 20; i++) tracker.track('clicked', { i })
    tracker.flush()
    await vi.advanceTimersByTimeAsync(0)
    expect(localStorage.getItem(queueKey())).toContain('clicked')
    fillStorage()
    expect(() => localStorage.setItem(CONSENT, 'out')).toThrow()
    tracker.optOut()
    expect(localStorage.getItem(CONSENT)).toBe('out')
    expect(localStorage.getItem(queueKey())).toBeNull()
    expect(tracker.status(true)).toEqual({ status: 'opted-out', choice: 'out', stored: true })
    destroyAll()
    const reloaded = setup({ routes })
    expect(reloaded.tracker.status()).toBe('opted-out')
    reloaded.tracker.track('after_reload')
    await vi.runAllTimersAsync()
    expect(reloaded.requests).toEqual([])
  })

  it('an opt-out storage refuses holds in this tab (status(true), debug), leaves no earlier "in" behind, and is written once storage has room', async () => {
    localStorage.setItem(CONSENT, 'in')
    const { tracker, requests } = setup({ routes, consent: 'opt-in', debug: true })
    const lines = debugLines()
    const free = fillStorage()
    tracker.optOut()
    expect(tracker.status()).toBe('opted-out')
    expect(tracker.status(true)).toEqual({ status: 'opted-out', choice: 'out', stored: false })
    expect(lines()).toContain(
      '[spa-telemetry] storage refused the choice "out" (full or blocked): it holds in this tab only, and is written again before every request and when storage changes',
    )
    // the earlier opt-in no longer speaks for the user: a reload now waits for consent
    expect(localStorage.getItem(CONSENT)).toBeNull()
    expect(setup({ routes, consent: 'opt-in' }).tracker.status()).toBe('awaiting-consent')
    tracker.track('while_held')
    tracker.flush()
    expect(tracker.status()).toBe('opted-out')
    // another tab frees room: its storage event writes the choice
    free.inAnotherTab()
    expect(localStorage.getItem(CONSENT)).toBe('out')
    expect(tracker.status(true)).toEqual({ status: 'opted-out', choice: 'out', stored: true })
    expect(lines()).toContain('[spa-telemetry] the choice "out" is stored now')
    await vi.runAllTimersAsync()
    expect(requests).toEqual([])
    destroyAll()
    expect(setup({ routes }).tracker.status()).toBe('opted-out')
  })

  it('room made in this very tab (no storage event): the opt-out is written by the next flush, or as the page is hidden', async () => {
    for (const trigger of ['flush', 'hidden'] as const) {
      localStorage.clear()
      const { tracker } = setup({ routes })
      const free = fillStorage()
      tracker.optOut()
      expect(tracker.status(true).stored).toBe(false)
      free.inThisTab()
      if (trigger === 'flush') tracker.flush()
      else window.dispatchEvent(new Event('pagehide'))
      expect(localStorage.getItem(CONSENT)).toBe('out')
      destroyAll()
    }
  })

  it('an opt-in storage refuses: on in this tab, stored: false, never written later (a new tab asks again)', async () => {
    const { tracker, sent } = setup({ routes, consent: 'opt-in' })
    const free = fillStorage()
    tracker.optIn()
    expect(tracker.status(true)).toEqual({ status: 'on', choice: 'in', stored: false })
    tracker.track('consented')
    free.inAnotherTab()
    tracker.flush()
    await vi.runAllTimersAsync()
    expect(sent.flatMap(s => s.payload.events).map(e => e.name)).toEqual(['consented'])
    expect(localStorage.getItem(CONSENT)).toBeNull()
    expect(tracker.status(true)).toEqual({ status: 'on', choice: 'in', stored: false })
  })

  it('status(true) before any choice, and after a stored one', () => {
    const { tracker } = setup({ routes })
    expect(tracker.status(true)).toEqual({ status: 'on', choice: undefined, stored: false })
    tracker.optIn()
    expect(tracker.status(true)).toEqual({ status: 'on', choice: 'in', stored: true })
    tracker.destroy()
    expect(tracker.status(true)).toEqual({ status: 'inactive', choice: 'in', stored: true })
  })
})

describe('the opt-out survives a cleared storage', () => {
  it('localStorage.clear() in another tab: this tab writes the choice back, and a new tab says opted-out and sends nothing', async () => {
    const { tracker } = setup({ routes })
    tracker.optOut()
    otherTab.clears()
    expect(localStorage.getItem(CONSENT)).toBe('out')
    expect(tracker.status(true)).toEqual({ status: 'opted-out', choice: 'out', stored: true })
    const fresh = setup({ routes })
    expect(fresh.tracker.status()).toBe('opted-out')
    fresh.tracker.track('in_the_new_tab')
    await vi.runAllTimersAsync()
    expect(fresh.requests).toEqual([])
  })

  it('the consent key alone removed in another tab: written back', () => {
    const { tracker } = setup({ routes })
    tracker.optOut()
    otherTab.removes(CONSENT)
    expect(localStorage.getItem(CONSENT)).toBe('out')
  })

  it('cleared in this very tab (no storage event): written back by the next flush, or as the page is hidden', () => {
    for (const trigger of ['flush', 'hidden'] as const) {
      const { tracker } = setup({ routes })
      tracker.optOut()
      localStorage.clear()
      if (trigger === 'flush') tracker.flush()
      else window.dispatchEvent(new Event('pagehide'))
      expect(localStorage.getItem(CONSENT)).toBe('out')
      destroyAll()
    }
  })

  it('an opt-in is not written back: clearing storage withdraws it for new tabs (opt-in mode)', () => {
    const { tracker } = setup({ routes, consent: 'opt-in' })
    tracker.optIn()
    otherTab.clears()
    tracker.flush()
    expect(localStorage.getItem(CONSENT)).toBeNull()
    expect(setup({ routes, consent: 'opt-in' }).tracker.status()).toBe('awaiting-consent')
  })

  it('a forged storage event (key null) while storage says "in" writes nothing and opts nobody in or out', () => {
    const { tracker } = setup({ routes })
    tracker.optIn()
    window.dispatchEvent(new StorageEvent('storage', { key: null, storageArea: localStorage }))
    expect(localStorage.getItem(CONSENT)).toBe('in')
    expect(tracker.status()).toBe('on')
  })
})

describe('privacy signals switched on while the page runs', () => {
  for (const [signal, name, value] of [
    ['global-privacy-control', 'globalPrivacyControl', true],
    ['do-not-track', 'doNotTrack', '1'],
  ] as const) {
    it(`${name} set after start: what is queued, stored and in flight is dropped before the next send, as by an opt-out`, async () => {
      const statuses = [503]
      const { tracker, requests } = setup({ routes }, { status: () => statuses.shift() ?? 204 })
      tracker.track('sent_and_refused')
      tracker.flush()
      await vi.advanceTimersByTimeAsync(0)
      tracker.track('queued_before')
      expect(localStorage.getItem(queueKey())).toContain('sent_and_refused')
      Object.defineProperty(navigator, name, { value, configurable: true })
      await vi.advanceTimersByTimeAsync(120_000)
      window.dispatchEvent(new Event('pagehide'))
      expect(requests).toHaveLength(1)
      expect(localStorage.getItem(queueKey())).toBeNull()
      expect(localStorage.getItem(ID)).toBeNull()
      expect(tracker.status()).toBe(signal)
      // switched off again: tracking resumes once it is read (here by status()), with nothing of before
      Object.defineProperty(navigator, name, { value: name === 'doNotTrack' ? null : undefined, configurable: true })
      expect(tracker.status()).toBe('on')
      tracker.track('after')
      tracker.flush()
      await vi.runAllTimersAsync()
      expect(
        requests
          .slice(1)
          .flatMap(r => r.payload.events)
          .map(e => e.name),
      ).toEqual(['after'])
    })
  }

  it('respectPrivacySignals: false ignores a signal switched on later too', async () => {
    const { tracker, sent } = setup({ routes, respectPrivacySignals: false })
    tracker.track('a')
    Object.defineProperty(navigator, 'globalPrivacyControl', { value: true, configurable: true })
    tracker.flush()
    await vi.runAllTimersAsync()
    expect(sent.flatMap(s => s.payload.events).map(e => e.name)).toEqual(['a'])
  })
})
