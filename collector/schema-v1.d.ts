// Types of the generated validator (collector/schema-v1.js).

/** One reason a value does not match the schema, as ajv reports it. */
export interface SchemaError {
  instancePath: string
  schemaPath: string
  keyword: string
  params: Record<string, unknown>
  message?: string
}

/** ajv's standalone validation function for schema/v1.json. */
export interface StandaloneValidate {
  (data: unknown): boolean
  errors?: SchemaError[] | null
}

export declare const validate: StandaloneValidate
export default validate
