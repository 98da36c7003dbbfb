import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ValidateFunction } from 'ajv';
import { AJV_OPTIONS } from './ajv-options.js';
import type { Issue } from './issue.js';
import { explainSchemaErrors } from './schema-messages.js';

/** The schema ships next to dist/ and src/ alike (package.json "files"), two folders up from this module. */
export const schemaUrl = new URL('../../schema/tmuxctl.schema.json', import.meta.url);

/** The validator `npm run build` generates from the schema (scripts/compile-schema.mjs); absent in src/. */
const compiledUrl = new URL('./schema-validator.js', import.meta.url);

let validator: Promise<ValidateFunction> | undefined;

/**
 * Checks one parsed spec document against the JSON Schema and fills in its defaults (in place).
 * The built CLI loads the standalone validator generated at build time: importing ajv's compiler
 * and compiling the schema would cost some 35 ms per run, the larger part of a `validate`. Run from
 * source (the unit tests), the schema is compiled on first use with the same options.
 */
export async function validateSpec(data: unknown): Promise<Issue[]> {
  const validate = await (validator ??= loadValidator());
  if (validate(data)) return [];
  return explainSchemaErrors(validate.errors ?? [], data);
}

async function loadValidator(): Promise<ValidateFunction> {
  if (existsSync(compiledUrl)) return ((await import(compiledUrl.href)) as { default: ValidateFunction }).default;
  const [ajvModule, schemaText] = await Promise.all([import('ajv'), readFile(schemaUrl, 'utf8')]);
  const Ajv = ajvModule.default.default;
  // Code optimisation roughly halves compile time and changes no verdict.
  return new Ajv({ ...AJV_OPTIONS, code: { optimize: false } }).compile(JSON.parse(schemaText) as object);
}
