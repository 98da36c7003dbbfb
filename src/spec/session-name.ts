/**
 * What a session name may be, and a window name too (the schema says the same, and
 * test/spec/names.test.ts checks that it does): tmux reads '.' and ':' in a target as the window
 * and pane separators, so `shop:servers.1` must split one way only.
 */
export const SESSION_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** One rule for both: a window is named in targets exactly like a session. */
export const WINDOW_NAME = SESSION_NAME;

/** How messages state the rule. */
export const NAME_RULE = "use 1 to 64 letters, digits, '_' or '-' ('.' and ':' are never allowed: tmux reads them as window and pane separators)";

export function isSessionName(name: string): boolean {
  return SESSION_NAME.test(name);
}

export function isWindowName(name: string): boolean {
  return WINDOW_NAME.test(name);
}
