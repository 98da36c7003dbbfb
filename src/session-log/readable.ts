import stripAnsi from 'strip-ansi';

const CSI = `${String.fromCharCode(0x1b)}\\[`;
/** Cursor moves to a row (CUP, HVP, VPA, next/previous line): on screen they start another line. */
const TO_ANOTHER_LINE = new RegExp(`${CSI}[0-9;]*[HfdEF]`, 'g');
/** Cursor moves along the row (CHA, CUF): on screen they leave a gap between words. */
const ALONG_THE_LINE = new RegExp(`${CSI}[0-9]*[CG]`, 'g');

/**
 * A log line as a person reads it: terminal control sequences (colours, cursor movement, the
 * alternate screen, window titles) removed, so a full-screen program's log does not repaint the
 * reader's terminal. strip-ansi does the stripping rather than a regular expression of our own: it
 * tracks the sequences terminals actually emit (CSI with private parameters, OSC ended by BEL or ST).
 * Only the cursor moves are read first, so that text drawn at two places does not run together
 * (`HELLOsecond`): a move to another row splits the line, a move along it leaves a space. Lines
 * that held only control sequences are dropped.
 */
export function readableLines(line: string): string[] {
  const spaced = line.replace(TO_ANOTHER_LINE, '\n').replace(ALONG_THE_LINE, ' ');
  return stripAnsi(spaced)
    .split('\n')
    .filter((l) => l.trim() !== '');
}
