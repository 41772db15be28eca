export * from './anonymize.js'
