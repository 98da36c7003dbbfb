import { readFile } from 'node:fs/promises';
import type { ValidateFunction } from 'ajv';
import type { Issue } from './issue.js';
import { explainSchemaErrors } from './schema-messages.js';

/** The schema ships next to dist/ and src/ alike (package.json "files"), two folders up from this module. */
export const schemaUrl = new URL('../../schema/tmuxctl.schema.json', import.meta.url);

let validator: Promise<ValidateFunction> | undefined;

/**
 * Checks one parsed spec document against the JSON Schema and fills in its defaults (in place).
 * ajv is imported and the schema compiled on first use only, once per process: together they
 * cost tens of milliseconds that commands which load no spec should not pay.
 */
export async function validateSpec(data: unknown): Promise<Issue[]> {
  const validate = await (validator ??= compileSchema());
  if (validate(data)) return [];
  return explainSchemaErrors(validate.errors ?? [], data);
}

async function compileSchema(): Promise<ValidateFunction> {
  const [ajvModule, schemaText] = await Promise.all([import('ajv'), readFile(schemaUrl, 'utf8')]);
  const Ajv = ajvModule.default.default;
  const ajv = new Ajv({
    allErrors: true,
    useDefaults: true,
    // verbose gives each error its schema and data, which the messages need (allowed keys, oneOf branches).
    verbose: true,
    allowUnionTypes: true,
    // The schema is ours and is checked against the meta-schema in test/spec/schema.test.ts;
    // skipping that here, and code optimisation, roughly halves compile time.
    validateSchema: false,
    code: { optimize: false },
  });
  return ajv.compile(JSON.parse(schemaText) as object);
}
