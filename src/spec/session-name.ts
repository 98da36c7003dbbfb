/** What a session name may be (the schema says the same): tmux reads '.' and ':' as separators. */
export const SESSION_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export function isSessionName(name: string): boolean {
  return SESSION_NAME.test(name);
}
