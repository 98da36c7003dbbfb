import { DEFAULTS } from './defaults.js';
import type { RawHealthCheck } from './raw-spec.js';
import { toCommand } from './to-command.js';
import type { HealthCheck } from './types.js';

/**
 * failureThreshold defaults differ by kind. A command check can fail once by bad luck (a slow
 * reply, a busy port), so 3 consecutive failures are needed. An output check has its tolerance
 * built in: outputWithinSeconds already says how much silence is acceptable, so the first failed
 * check counts (1); a higher default would silently stretch the window the user wrote down.
 * timeoutSeconds has no meaning for output checks and is dropped.
 */
const DEFAULT_FAILURE_THRESHOLD = { command: 3, output: 1 } as const;

/** Only called on validated data: exactly one of command / outputWithinSeconds is present. */
export function normaliseHealthCheck(raw: RawHealthCheck): HealthCheck {
  if (raw.command !== undefined) {
    return {
      kind: 'command',
      command: toCommand(raw.command),
      intervalSeconds: raw.intervalSeconds ?? DEFAULTS.healthCheck.intervalSeconds,
      timeoutSeconds: raw.timeoutSeconds ?? DEFAULTS.healthCheck.timeoutSeconds,
      failureThreshold: raw.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD.command,
      ...startPeriod(raw),
    };
  }
  return {
    kind: 'output',
    outputWithinSeconds: raw.outputWithinSeconds as number,
    intervalSeconds: raw.intervalSeconds ?? DEFAULTS.healthCheck.intervalSeconds,
    failureThreshold: raw.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD.output,
    ...startPeriod(raw),
  };
}

/** Kept only when declared and not 0: a check without one is written exactly as before. */
function startPeriod(raw: RawHealthCheck): { startPeriodSeconds?: number } {
  return raw.startPeriodSeconds ? { startPeriodSeconds: raw.startPeriodSeconds } : {};
}
