import { ErbText } from './erb.js';
import { notImportedLine } from './render-value.js';

/** A map read from another tool's file. */
export type SourceMap = Record<string, unknown>;

export function isSourceMap(value: unknown): value is SourceMap {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof ErbText);
}

/**
 * Reads one map of a source file so that nothing is dropped in silence: every key is either taken
 * (mapped by the caller) or ends as a `not imported` line in `notes`, which the caller attaches to
 * the spec node the map became. A value that held ERB is never taken: it is noted as not evaluated.
 */
export class Fields {
  private readonly used = new Set<string>();

  constructor(
    readonly source: SourceMap,
    /** Where the `not imported` lines go (the node this map becomes). */
    readonly notes: string[],
    /** Prefix of the keys in comments, for nested maps (`availability.`). */
    readonly prefix = '',
  ) {}

  has(key: string): boolean {
    return Object.hasOwn(this.source, key) && this.source[key] !== undefined;
  }

  /** The value (marked as used); undefined when absent, or when it was ERB (then noted). */
  take(key: string): unknown {
    if (!Object.hasOwn(this.source, key)) return undefined;
    this.used.add(key);
    const value = this.source[key];
    if (value instanceof ErbText) {
      this.note(key, value, 'ERB not evaluated');
      return undefined;
    }
    return value;
  }

  /** A string (numbers and booleans as written, since YAML reads `3000` or `on` as such); else noted. */
  string(key: string): string | undefined {
    const value = this.take(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    this.note(key, value, 'expected a string');
    return undefined;
  }

  number(key: string): number | undefined {
    const value = this.take(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value);
    this.note(key, value, 'expected a number');
    return undefined;
  }

  map(key: string): SourceMap | undefined {
    const value = this.take(key);
    if (value === undefined || value === null) return undefined;
    if (isSourceMap(value)) return value;
    this.note(key, value, 'expected a map');
    return undefined;
  }

  /** A nested reader whose leftovers are noted as `key.sub`. */
  nested(key: string): Fields | undefined {
    const value = this.map(key);
    return value && new Fields(value, this.notes, `${this.prefix}${key}.`);
  }

  /** Marks `key` used and notes it with `why` when present. */
  skip(key: string, why: string): void {
    if (!Object.hasOwn(this.source, key)) return;
    this.used.add(key);
    this.note(key, this.source[key], why);
  }

  /** Like skip, but a value that is the source tool's own default asks for nothing and is not noted (`is_daemon: false`). */
  skipUnlessDefault(key: string, byDefault: unknown, why: string): void {
    if (this.source[key] === byDefault) this.ignore(key);
    else this.skip(key, why);
  }

  /** Marks `key` used without a note: it means nothing at all here (a format's own version number). */
  ignore(key: string): void {
    this.used.add(key);
  }

  note(key: string, value: unknown, why: string): void {
    this.notes.push(notImportedLine(`${this.prefix}${key}`, value, why));
  }

  /** Notes every key not taken yet. Call once, after the mapping. */
  rest(why = 'tmuxctl has no such option'): void {
    for (const key of Object.keys(this.source)) {
      if (this.used.has(key)) continue;
      this.used.add(key);
      this.note(key, this.source[key], why);
    }
  }
}
