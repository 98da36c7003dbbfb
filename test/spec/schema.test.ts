import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { schemaUrl } from '../../src/spec/validate.js';

describe('the JSON Schema', () => {
  // The loader compiles with validateSchema: false for speed; this is where the schema itself is checked.
  it('is a valid draft-07 schema that ajv compiles in strict mode', () => {
    const schema = JSON.parse(readFileSync(schemaUrl, 'utf8')) as object;
    // strictRequired is off: it flags `not: { required: [...] }`, which is how healthCheck says "not both".
    const ajv = new Ajv.default({ strict: true, strictRequired: false, allowUnionTypes: true, allErrors: true });
    expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).toBe(true);
    expect(() => ajv.compile(schema)).not.toThrow();
  });
});
