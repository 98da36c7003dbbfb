/**
 * Removes every secret value from a text that is about to be told (an event, an error, a report).
 * The channels' own messages are written to name no secret; this is the belt to those braces, for
 * texts that come from elsewhere (an error of the platform's that quotes what it was given).
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first: a secret that contains another is removed whole.
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (s.length > 0) out = out.split(s).join('***');
  }
  return out;
}
