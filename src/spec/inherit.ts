import type { LevelSettings } from './check-level.js';
import { DEFAULTS } from './defaults.js';
import type { DocPath } from './issue.js';
import { mergeEnv, missingRequired } from './resolve-env.js';
import type { PaneSpec } from './types.js';

/** A pane's settings once inherited, before it is placed in its session. */
export type InheritedPane = Omit<PaneSpec, 'session' | 'window' | 'index' | 'target' | 'source'>;

export interface Inheritance {
  /** Absent when a setting the pane depends on is invalid (the session then has problems reported already). */
  pane?: InheritedPane;
  /** requiredEnv names this pane leaves unset or empty, located at the level that requires them. */
  missing: { at: DocPath; index: number; name: string; state: 'is not set' | 'is empty' }[];
}

/**
 * One pane's settings from its chain of levels (session, window, pane: farthest first). The
 * nearest level that declares a key wins, even when its value is invalid (then nothing is built);
 * `env` maps merge, the nearest over the farther. Defaults fill in what no level declares, after
 * inheritance, so a default can never hide a value the session declares.
 */
export function inherit(chain: readonly LevelSettings[], ctx: { defaultCwd: string; loginShell: string }): Inheritance {
  // Keys whose nearest declaration is invalid: what depends on them cannot be computed.
  const invalid = new Set<string>();
  const nearest = <K extends keyof LevelSettings>(key: K): LevelSettings[K] | undefined => {
    for (let i = chain.length - 1; i >= 0; i--) {
      if (!chain[i].declared.has(key)) continue;
      if (chain[i][key] === undefined) invalid.add(key);
      return chain[i][key];
    }
    return undefined;
  };

  const own = chain[chain.length - 1];
  const keys = own.declared.has('keys') ? own.keys : undefined;
  const shell = nearest('shell') ?? ctx.loginShell;
  const command = own.declared.has('keys') ? (keys === undefined ? undefined : { kind: 'argv' as const, argv: [shell] }) : own.command;

  // The environment: requiredEnv names from the caller, then the env files, then each level's `env`.
  const required = nearest('requiredEnv');
  const envFile = nearest('envFile');
  const envLayers = chain.filter((level) => level.declared.has('env')).map((level) => level.env);
  const envComplete = !invalid.has('requiredEnv') && !invalid.has('envFile') && (envFile?.complete ?? true) && envLayers.every((layer) => layer !== undefined);
  const env = mergeEnv([required?.callerValues ?? new Map(), envFile?.vars ?? new Map(), ...envLayers.map((layer) => layer ?? new Map())]);
  // With an env file missing or partly unreadable, "not set" would blame the wrong thing.
  const missing = required && envComplete ? missingRequired(required.names, env).map((m) => ({ at: required.at, ...m })) : [];

  const cwd = nearest('cwd') ?? ctx.defaultCwd;
  const restart = nearest('restart') ?? DEFAULTS.restart;
  const update = nearest('update') ?? DEFAULTS.update;
  // A keys pane ignores a restartCommand it inherits (its shell is what restarts).
  const restartCommand = own.declared.has('keys') ? undefined : nearest('restartCommand');
  const startSeconds = nearest('startSeconds') ?? DEFAULTS.startSeconds;
  const stopTimeoutSeconds = nearest('stopTimeoutSeconds') ?? DEFAULTS.stopTimeoutSeconds;
  const backoff = nearest('backoff') ?? DEFAULTS.backoff;
  const healthCheck = nearest('healthCheck');
  const maxRestarts = nearest('maxRestarts');
  const memoryLimitMB = nearest('memoryLimitMB');
  const orphans = nearest('orphans');
  // An empty map nearer by says "no dependencies" for what is below it.
  const dependsOn = nearest('dependsOn');
  if (invalid.size > 0 || !envComplete || command === undefined) return { missing };
  return {
    missing,
    pane: {
      command,
      ...(keys !== undefined && { keys }),
      cwd,
      env,
      envFiles: envFile?.files ?? [],
      restart,
      ...(restartCommand && { restartCommand }),
      update,
      startSeconds,
      stopTimeoutSeconds,
      backoff: { ...backoff },
      ...(maxRestarts && { maxRestarts: { ...maxRestarts } }),
      ...(memoryLimitMB !== undefined && { memoryLimitMB }),
      ...(healthCheck && { healthCheck }),
      ...(orphans && { orphans }),
      ...(dependsOn && dependsOn.length > 0 && { dependsOn: dependsOn.map((d) => ({ ...d })) }),
    },
  };
}
