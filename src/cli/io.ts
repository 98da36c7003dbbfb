/** Where a command writes; the CLI entry passes process streams, tests may pass buffers. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  color: boolean;
  /** Whether stdout is a terminal (`status --watch` clears the screen only there). */
  tty?: boolean;
  env: Record<string, string | undefined>;
  cwd: string;
  /**
   * Calls `listener` once per output stream that died (`stdout`, `EPIPE` when `tmuxctl watch | head -2`
   * closed the pipe). Writes to a dead stream are dropped; each command decides whether it goes on
   * (watch supervises on) or stops (`logs --follow` has nobody left to follow for).
   */
  onOutputLost?(listener: (stream: 'stdout' | 'stderr', reason: string) => void): void;
}

const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const;
export type Color = keyof typeof CODES;

export function paint(io: Pick<Io, 'color'>, color: Color, text: string): string {
  return io.color ? `\x1b[${CODES[color]}m${text}\x1b[0m` : text;
}
