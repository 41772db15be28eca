import { describe, expect, it } from 'vitest'

import { createAnonymizer } from '../src/anonymize.js'

describe('createAnonymizer', () => {
  it('smoke', () => {
    const a = createAnonymizer({ routes: ['/nc/:project_id', '/nc/:project_id/table/:table_id', '/data/schema/:SCHEMA_NAME/tables/:TABLE_NAME/modify', '/'] })
    expect(a.anonymize('/nc/p_8f2k')).toBe('/nc/:project_id')
    expect(a.anonymize('https://x.io/nc/p_8f2k/table/t1?x=1#y')).toBe('/nc/:project_id/table/:table_id')
    expect(a.anonymize('/nc/p_8f2k/secret')).toBe('/nc/*/*')
    expect(a.anonymize('/')).toBe('/')
    expect(a.anonymize('/data/schema/public/tables/users/modify')).toBe('/data/schema/:SCHEMA_NAME/tables/:TABLE_NAME/modify')
  })
})
