import { describe, expect, it } from 'vitest';
import { closestKey } from '../../src/spec/suggest.js';

const keys = ['command', 'cwd', 'env', 'envFile', 'requiredEnv', 'restart', 'startSeconds', 'stopTimeoutSeconds'];

describe('closestKey', () => {
  it.each([
    ['restrat', 'restart'],
    ['envfile', 'envFile'],
    ['comand', 'command'],
    ['requiredEnvs', 'requiredEnv'],
    ['startSecond', 'startSeconds'],
    ['cdw', 'cwd'],
  ])('%s -> %s', (typed, expected) => {
    expect(closestKey(typed, keys)).toBe(expected);
  });

  it('suggests nothing when nothing is close', () => {
    expect(closestKey('colour', keys)).toBeUndefined();
    expect(closestKey('x', keys)).toBeUndefined();
  });
});
