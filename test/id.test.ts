import { describe, expect, it, vi } from 'vitest'
import { urlAlphabet } from 'nanoid'
import { newId } from '../src/id.js'

describe('newId', () => {
  it('gives 21 characters of the URL alphabet, unique over many refills of its pool', () => {
    const ids = Array.from({ length: 5000 }, newId)
    for (const id of ids) expect(id).toMatch(/^[\w-]{21}$/)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('uses every character of the alphabet about equally (6 random bits each)', () => {
    const counts = new Map<string, number>()
    for (let i = 0; i < 3000; i++) for (const char of newId()) counts.set(char, (counts.get(char) ?? 0) + 1)
    expect([...counts.keys()].sort()).toEqual([...urlAlphabet].sort())
    const expected = (3000 * 21) / 64
    for (const count of counts.values()) expect(Math.abs(count - expected)).toBeLessThan(expected * 0.25)
  })

  it('asks for random bytes once per 256 ids, into the same buffer', () => {
    const spy = vi.spyOn(crypto, 'getRandomValues')
    try {
      for (let i = 0; i < 256 * 3; i++) newId()
      expect(spy.mock.calls.length).toBe(3)
      const buffers = new Set(spy.mock.calls.map(([buffer]) => buffer))
      expect(buffers.size).toBe(1)
    } finally {
      spy.mockRestore()
    }
  })
})
