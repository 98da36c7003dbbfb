import type { PaneArgs } from './commands.js';

/** $0 of the PATH setter: how `freeze` recognises it. */
export const PATH_SETTER_NAME = 'tmuxctl-path';
/** Carries a declared PATH past tmux, in the environment (never argv: env values never go there). */
const PATH_VAR = 'TMUXCTL_PATH';
/** sh builtins only, and /bin/sh by its path: the PATH in force is the one being replaced. */
export const PATH_SETTER = `PATH=$${PATH_VAR}; export PATH; unset ${PATH_VAR}; exec "$@"`;
const SH = '/bin/sh';

/**
 * tmux gives every new pane the PATH of the client that asked for it when that client is not
 * attached (spawn.c: so `tmux new myprogram` finds myprogram), over the pane's own `-e PATH=...`.
 * tmuxctl's clients are never attached, so a PATH the spec declares never arrived: the pane ran with
 * tmuxctl's. A pane that declares one is started through a tiny sh that sets it from another
 * variable and execs the command (same pid). Panes that declare none are started as before.
 */
export function withDeclaredPath(p: PaneArgs): PaneArgs {
  const { PATH: path, ...env } = p.env;
  if (path === undefined) return p;
  return { ...p, env: { ...env, [PATH_VAR]: path }, argv: [SH, '-c', PATH_SETTER, PATH_SETTER_NAME, ...p.argv] };
}

/** The argv inside the setter (a process between its start and its exec), or the argv as it is. */
export function unwrapPathSetter(argv: readonly string[]): string[] {
  return argv.length > 4 && argv[0] === SH && argv[1] === '-c' && argv[2] === PATH_SETTER && argv[3] === PATH_SETTER_NAME ? argv.slice(4) : [...argv];
}

/** tmux's rendering of a start command (`pane_start_command`) with the setter taken off. */
export function unwrapPathSetterText(text: string): string {
  const at = text.indexOf(` ${PATH_SETTER_NAME} `);
  return at >= 0 && text.startsWith(`${SH} -c `) ? text.slice(at + PATH_SETTER_NAME.length + 2) : text;
}
