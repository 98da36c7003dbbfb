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

  it('bounds every duration (a *Seconds property) far below what a Node timer can hold', () => {
    const schema = JSON.parse(readFileSync(schemaUrl, 'utf8')) as unknown;
    const durations: [string, { minimum?: number; exclusiveMinimum?: number; maximum?: number }][] = [];
    const walk = (node: unknown, at: string): void => {
      if (typeof node !== 'object' || node === null) return;
      for (const [key, value] of Object.entries(node)) {
        // `startSeconds: { $ref }` on a session, window or pane points at the one definition, checked itself.
        if (key.endsWith('Seconds') && typeof value === 'object' && value !== null && !('$ref' in value)) durations.push([`${at}/${key}`, value]);
        walk(value, `${at}/${key}`);
      }
    };
    walk(schema, '');
    expect(durations.length).toBeGreaterThanOrEqual(8);
    // setTimeout holds at most 2^31-1 ms (24.8 days); past it Node fires at once, and watch spun.
    const timerLimitSeconds = (2 ** 31 - 1) / 1000;
    for (const [where, d] of durations) {
      expect(d.maximum, where).toBeDefined();
      expect(d.maximum, where).toBeLessThanOrEqual(604800);
      expect(d.maximum, where).toBeLessThan(timerLimitSeconds);
      expect(d.minimum ?? d.exclusiveMinimum, where).toBeDefined();
    }
  });
});
