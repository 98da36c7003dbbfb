import type { Options } from 'ajv';

/**
 * How the spec schema is compiled, shared by the build step that generates the standalone validator
 * (scripts/compile-schema.mjs) and the run-time fallback in validate.ts, so both validate alike.
 */
export const AJV_OPTIONS: Options = {
  allErrors: true,
  // No defaults in the schema: they are applied after inheritance (defaults.ts).
  useDefaults: false,
  // verbose gives each error its schema and data, which the messages need (allowed keys, oneOf branches).
  verbose: true,
  allowUnionTypes: true,
  // Sessions, windows and panes share one definition per setting: compiled once each rather than
  // inlined three times, the generated validator is a third smaller (75 KB instead of 112 KB).
  inlineRefs: false,
  // The schema is ours and is checked against the meta-schema in test/spec/schema.test.ts.
  validateSchema: false,
};
