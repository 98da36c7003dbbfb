/**
 * tmux control mode (`tmux -C`), read line by line. Every command tmux runs for the client answers
 * with a block: `%begin TIME NUMBER FLAGS`, its output lines, then `%end` (it worked) or `%error`
 * (it failed, the lines are the error) with the same TIME NUMBER FLAGS. FLAGS 1 marks a command the
 * client sent; 0 is tmux's own (the `attach-session` the client was started with). A line with
 * several commands (`a ; b`) gets one block per command run: a failed one ends its line, so the
 * rest of that line has no block at all. Outside blocks come notifications (`%session-changed $1 x`,
 * `%exit`, ...), never inside one.
 */

export interface ControlBlock {
  /** tmux's number of the command; increases over the server's life. */
  number: number;
  /** Sent by this client (not the command the client was started with). */
  fromClient: boolean;
  ok: boolean;
  lines: string[];
}

export interface ControlNotification {
  /** Without the `%`: `exit`, `session-changed`, `sessions-changed`, ... */
  name: string;
  /** The rest of the line after the name and one space. */
  args: string;
}

export type ControlMessage = { kind: 'block'; block: ControlBlock } | { kind: 'notification'; notification: ControlNotification };

/** Splits a stream of control-mode output into blocks and notifications. Feed it chunks as they come. */
export class ControlParser {
  private partial = '';
  private open: { guard: string; number: number; fromClient: boolean; lines: string[] } | undefined;

  /** The messages completed by this chunk, in order. */
  push(chunk: string): ControlMessage[] {
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    const out: ControlMessage[] = [];
    for (const line of lines) {
      const m = this.line(line);
      if (m) out.push(m);
    }
    return out;
  }

  private line(raw: string): ControlMessage | undefined {
    // tmux ends control lines with \n only; a \r can only be part of a command's own output.
    const line = raw;
    if (this.open) {
      // Only the guard of the open block ends it: an output line that happens to start with
      // `%end` (a pane's text in a capture) is output.
      const end = /^%(end|error) (\S+ \S+ \S+)$/.exec(line);
      if (end && end[2] === this.open.guard) {
        const { number, fromClient, lines } = this.open;
        this.open = undefined;
        return { kind: 'block', block: { number, fromClient, ok: end[1] === 'end', lines } };
      }
      this.open.lines.push(line);
      return undefined;
    }
    const begin = /^%begin ((\S+) (\S+) (\S+))$/.exec(line);
    if (begin) {
      this.open = { guard: begin[1]!, number: Number(begin[3]), fromClient: begin[4] === '1', lines: [] };
      return undefined;
    }
    if (line.startsWith('%')) {
      const space = line.indexOf(' ');
      const name = space < 0 ? line.slice(1) : line.slice(1, space);
      return { kind: 'notification', notification: { name, args: space < 0 ? '' : line.slice(space + 1) } };
    }
    // Nothing else is written outside a block; ignored rather than misread.
    return undefined;
  }
}
