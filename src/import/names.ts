/** Session and window names in a spec: the same characters (model9.md), which tmux never reads as separators. */
export const SPEC_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A name other tools accept (`my.app`, `API server`, 80 characters) made into a spec name: every
 * other character becomes `-`, runs of `-` are one, and it is cut at 64. Empty: `fallback`.
 */
export function sanitiseName(name: string, fallback: string): string {
  if (SPEC_NAME.test(name)) return name;
  const cleaned = name
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  return cleaned === '' ? fallback : cleaned;
}

/** The remark for a name that had to change, or none. */
export function renameRemark(kind: 'session' | 'window', original: string, name: string): string[] {
  if (original === name) return [];
  return [`${kind} name ${JSON.stringify(original)} changed to ${JSON.stringify(name)}: names may only have letters, digits, '_' and '-' (1 to 64)`];
}

/**
 * Window names must be unique in a session (tmuxinator and tmuxp allow the same name twice): the
 * second `logs` becomes `logs-2`. Returns the name to use and a remark when it changed.
 */
export function uniqueName(name: string, taken: Set<string>): { name: string; remarks: string[] } {
  if (!taken.has(name)) {
    taken.add(name);
    return { name, remarks: [] };
  }
  for (let i = 2; ; i++) {
    const suffix = `-${i}`;
    const candidate = name.slice(0, 64 - suffix.length) + suffix;
    if (!taken.has(candidate)) {
      taken.add(candidate);
      return { name: candidate, remarks: [`window name ${JSON.stringify(name)} is already used in this session: this one is ${JSON.stringify(candidate)}`] };
    }
  }
}
