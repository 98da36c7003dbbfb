import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isSessionName, isWindowName, SESSION_NAME, WINDOW_NAME } from '../../src/spec/session-name.js';
import { schemaUrl } from '../../src/spec/validate.js';

describe('session and window names', () => {
  it('follow one rule, and the schema says the same as the code', () => {
    const schema = JSON.parse(readFileSync(schemaUrl, 'utf8'));
    expect(WINDOW_NAME.source).toBe(SESSION_NAME.source);
    expect(schema.properties.sessions.propertyNames.pattern).toBe(SESSION_NAME.source);
    expect(schema.definitions.window.properties.name.pattern).toBe(WINDOW_NAME.source);
  });

  it.each(['web', 'claude-multi-monitor', 'a_1', 'A'.repeat(64)])('accepts %s', (name) => {
    expect(isSessionName(name)).toBe(true);
    expect(isWindowName(name)).toBe(true);
  });

  // '.' and ':' would make `session:window.N` ambiguous.
  it.each(['my.app', 'web:1', '', 'with space', 'A'.repeat(65)])('refuses %j', (name) => {
    expect(isSessionName(name)).toBe(false);
    expect(isWindowName(name)).toBe(false);
  });
});
