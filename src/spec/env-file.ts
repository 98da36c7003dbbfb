import { MAX_ARG_BYTES } from './argument-limits.js';

/**
 * A dotenv parser that reports where each malformed line is. The `dotenv` package silently skips
 * lines it cannot read, and a silently missing secret only shows up later as a confusing crash.
 *
 * Accepted, as in dotenv: `KEY=value`, an optional `export ` prefix, blank lines, `#` comments,
 * and values that are
 *   - unquoted: trimmed; ` #` (whitespace then #) starts a comment;
 *   - 'single quoted' or `backtick quoted`: literal, may span lines;
 *   - "double quoted": may span lines; \n \r \t \" \\ are escapes, any other backslash stays as is.
 * A later line wins over an earlier one with the same key. There is no variable expansion: `$HOME`
 * stays `$HOME`, because expanding against tmuxctl's own environment would make the session's
 * environment depend on where tmuxctl happens to run.
 *
 * Messages never quote the text of a line: env files hold secrets, and a malformed line may be
 * a pasted token. The position is enough to find it.
 */

export interface EnvFileProblem {
  line: number;
  col: number;
  message: string;
}

export interface ParsedEnvFile {
  vars: Map<string, string>;
  problems: EnvFileProblem[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const QUOTE_NAMES: Record<string, string> = { '"': 'double', "'": 'single', '`': 'backtick' };

export function parseEnvFile(text: string): ParsedEnvFile {
  const src = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const lineStarts = [0];
  for (let i = 0; i < src.length; i++) if (src[i] === '\n') lineStarts.push(i + 1);
  const vars = new Map<string, string>();
  const problems: EnvFileProblem[] = [];

  const report = (offset: number, message: string): void => {
    let line = lineStarts.length - 1;
    while (lineStarts[line] > offset) line--;
    problems.push({ line: line + 1, col: offset - lineStarts[line] + 1, message });
  };
  const lineEnd = (from: number): number => {
    const eol = src.indexOf('\n', from);
    return eol < 0 ? src.length : eol;
  };
  /**
   * Keeps a value only if a process can receive it whole: a NUL byte would cut it short without a word,
   * and a NAME=value past the kernel's per-string limit makes the pane's exec fail.
   */
  const setVar = (key: string, keyAt: number, spanStart: number, spanEnd: number, value: string): void => {
    const nul = src.indexOf('\0', spanStart);
    if (nul >= 0 && nul < spanEnd) {
      report(nul, `the value of ${key} contains a NUL byte, which would silently cut it short; remove it`);
      return;
    }
    const bytes = Buffer.byteLength(`${key}=${value}`, 'utf8');
    if (bytes > MAX_ARG_BYTES) {
      report(keyAt, `${key}=value is ${bytes} bytes long; the kernel accepts at most ${MAX_ARG_BYTES} bytes (128 KiB) per environment variable`);
      return;
    }
    vars.set(key, value);
  };
  const skipBlanks = (from: number, end: number): number => {
    while (from < end && (src[from] === ' ' || src[from] === '\t')) from++;
    return from;
  };

  /** Parses the entry starting at `start` (a line start); returns where the next line starts. */
  const parseEntry = (start: number): number => {
    const end = lineEnd(start);
    let p = skipBlanks(start, end);
    if (p === end || src[p] === '#') return end + 1;

    if (/^export[ \t]/.test(src.slice(p, p + 7))) {
      const afterExport = skipBlanks(p + 7, end);
      if (afterExport < end && src[afterExport] !== '=') p = afterExport;
    }
    const eq = src.indexOf('=', p);
    if (eq < 0 || eq > end) {
      report(p, 'expected KEY=value, but this line has no "="');
      return end + 1;
    }
    const key = src.slice(p, eq).trimEnd();
    if (!KEY.test(key)) {
      report(p, "invalid variable name: use letters, digits and '_', not starting with a digit");
      return end + 1;
    }

    const v = skipBlanks(eq + 1, end);
    const quote = src[v];
    if (quote === '"' || quote === "'" || quote === '`') {
      const close = findClosingQuote(src, v);
      if (close < 0) {
        report(v, `unterminated ${QUOTE_NAMES[quote]}-quoted value: no closing ${quote} before the end of the file`);
        return end + 1;
      }
      const raw = src.slice(v + 1, close);
      const restEnd = lineEnd(close);
      const rest = src.slice(close + 1, restEnd);
      if (!/^[ \t]*(#.*)?$/.test(rest)) {
        report(skipBlanks(close + 1, restEnd), 'unexpected text after the closing quote (a comment starts with #)');
        return restEnd + 1;
      }
      setVar(key, p, v + 1, close, quote === '"' ? unescapeDoubleQuoted(raw) : raw);
      return restEnd + 1;
    }

    let valueEnd = end;
    for (let k = v; k < end; k++) {
      if (src[k] === '#' && (src[k - 1] === ' ' || src[k - 1] === '\t')) {
        valueEnd = k;
        break;
      }
    }
    setVar(key, p, v, valueEnd, src.slice(v, valueEnd).trim());
    return end + 1;
  };

  for (let offset = 0; offset < src.length; ) offset = parseEntry(offset);
  return { vars, problems };
}

/** Index of the quote that closes the one at `open`, or -1. Only double quotes have escapes. */
function findClosingQuote(src: string, open: number): number {
  const quote = src[open];
  for (let i = open + 1; i < src.length; i++) {
    if (quote === '"' && src[i] === '\\') i++;
    else if (src[i] === quote) return i;
  }
  return -1;
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

function unescapeDoubleQuoted(raw: string): string {
  return raw.replace(/\\(.)/gs, (whole, c: string) => ESCAPES[c] ?? whole);
}
