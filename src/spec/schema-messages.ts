import type { ErrorObject } from 'ajv';
import { formatPath, prefix, subject, type DocPath, type Issue } from './issue.js';
import { HOST_NAME_RULE, LOCAL_HOST } from './host-name.js';
import { NAME_RULE, SESSION_NAME } from './session-name.js';
import { closestKey } from './suggest.js';

interface SchemaNode {
  type?: string | string[];
  items?: SchemaNode;
  required?: string[];
  properties?: Record<string, unknown>;
}

/** What `ssh:` may be, said when it is not: it is passed to ssh as one argument, never as an option. */
const SSH_RULE = "host, user@host, ssh://user@host:port or a Host of ~/.ssh/config; not starting with '-', no spaces";

const VARIABLE_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';
const VARIABLE_NAME_RULE = "letters, digits and '_', not starting with a digit";

/** What each oneOf is for, said in the combined message when the value fits none of its forms. */
const ONE_OF_HINTS: Record<string, string> = {
  command: ' (a string runs under sh -c; a list is run as argv, without a shell)',
  envFile: ' (paths of dotenv files)',
};

/**
 * What may stand together, said when a session, window or pane has none or several of its
 * exclusive keys (keyed by the `title` of the schema definition whose oneOf failed).
 */
const EXCLUSIVE_RULES: Record<string, string> = {
  session:
    'a session has exactly one of "command" (a process), "keys" (typed into a shell) or "windows" (a list of windows); settings such as cwd, env and restart may stand beside it',
  window:
    'a window has exactly one of "command" (a process), "keys" (typed into a shell) or "panes" (a list of panes); "layout" and settings such as cwd, env and restart may stand beside it',
  pane: 'a pane has exactly one of "command" (a process) or "keys" (typed into a shell); settings such as cwd, env and restart may stand beside it',
};

/**
 * Turns ajv's allErrors output into one human message per problem. ajv reports every failed
 * branch of a oneOf plus the oneOf itself, and a bad property name twice; users should see
 * neither the noise nor the jargon. When a value's type picks one branch of a oneOf (a list for
 * `command`), that branch's own errors are precise (`command[1] must be a string`) and are kept.
 */
export function explainSchemaErrors(errors: readonly ErrorObject[], data: unknown): Issue[] {
  const skipped = new Set<ErrorObject>();
  const issues: Issue[] = [];
  for (const oneOf of errors.filter((e) => e.keyword === 'oneOf')) {
    skipped.add(oneOf);
    const branches = oneOf.schema as SchemaNode[];
    const chosen = branches.every((b) => b.type !== undefined) ? branches.findIndex((b) => typeMatches(b.type, oneOf.data)) : -1;
    // schemaPath alone is shared by every session's `command`; the instancePath tells whose error it is.
    const inOneOf = errors.filter(
      (e) => e.schemaPath.startsWith(`${oneOf.schemaPath}/`) && (e.instancePath === oneOf.instancePath || e.instancePath.startsWith(`${oneOf.instancePath}/`)),
    );
    const kept = chosen < 0 ? [] : inOneOf.filter((e) => e.schemaPath.startsWith(`${oneOf.schemaPath}/${chosen}/`));
    for (const e of inOneOf) if (!kept.includes(e)) skipped.add(e);
    // A oneOf over keys says nothing useful about a value that is not a map: its type error does.
    const keyed = branches.every((b) => b.type === undefined);
    if (keyed && !isRecord(oneOf.data)) continue;
    if (kept.length === 0 && !misspeltAlternative(oneOf, branches, errors)) issues.push(explainOneOf(oneOf, branches, pathOf(oneOf.instancePath, data)));
  }
  for (const e of errors) {
    // propertyNames fails once for the pattern and once for the name; only the latter names the key.
    // An if/then fails once for the `then` and once for what it required; only the latter is news.
    if (skipped.has(e) || e.schemaPath.includes('/propertyNames/') || e.keyword === 'if') continue;
    issues.push(explainError(e, pathOf(e.instancePath, data)));
  }
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = JSON.stringify(issue);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function explainError(e: ErrorObject, at: DocPath): Issue {
  const params = e.params as Record<string, unknown>;
  const value = (message: string): Issue => ({ path: at, at: 'value', message: `${subject(at)} ${message}` });
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys((e.parentSchema as SchemaNode).properties ?? {});
      const guess = closestKey(key, allowed);
      const hint = guess === undefined ? '' : ` (did you mean ${JSON.stringify(guess)}?)`;
      return {
        path: [...at, key],
        at: 'key',
        message: `${prefix(at)}unknown key ${JSON.stringify(key)}${hint}; allowed: ${allowed.join(', ')}`,
      };
    }
    case 'propertyNames':
      return explainPropertyName(e, at, String(params.propertyName));
    case 'required':
      return { path: at, at: 'key', message: `${prefix(at)}missing required key ${JSON.stringify(params.missingProperty)}` };
    case 'type': {
      // tmuxinator and tmuxp users write a pane as a bare string: say what a pane looks like here.
      const hint =
        params.type === 'object' && at.at(-2) === 'panes'
          ? ' with "command" or "keys" (e.g. `- keys: tail -f log`: typed into a shell, or `- command: npm start`)'
          : '';
      return value(`must be ${describeType(params.type as string | string[])}${hint}`);
    }
    case 'const':
      return value(`must be ${JSON.stringify(params.allowedValue)}`);
    case 'enum':
      return value(`must be one of: ${(params.allowedValues as unknown[]).map(String).join(', ')}`);
    case 'minLength':
      return value(params.limit === 1 ? 'must not be empty' : `must be at least ${params.limit} characters long`);
    case 'minItems':
      return value(params.limit === 1 ? 'must not be an empty list' : `must have at least ${params.limit} items`);
    case 'minimum':
      return value(`must be at least ${params.limit}${Number(params.limit) > 0 && String(at.at(-1)).endsWith('Seconds') ? ' seconds' : ''}`);
    case 'maximum':
      return value(`must be at most ${params.limit}${durationName(Number(params.limit), at)}`);
    case 'exclusiveMinimum':
      return value(`must be greater than ${params.limit}`);
    case 'pattern':
      if (params.pattern === VARIABLE_NAME_PATTERN) return value(`must be a variable name (${VARIABLE_NAME_RULE})`);
      if (params.pattern === SESSION_NAME.source) {
        return { path: at, at: 'value', message: `${formatPath(at)}: invalid window name ${JSON.stringify(e.data)}: ${NAME_RULE}` };
      }
      if (at.at(-1) === 'shell') return value('must be an absolute path or a command name, with no arguments (it is run as argv [shell])');
      if (at.length === 3 && at[0] === 'hosts' && at[2] === 'ssh') return value(`must be an ssh destination (${SSH_RULE})`);
      return value(`must match the pattern ${String(params.pattern)}`);
    default:
      return value(e.message ?? `is invalid (${e.keyword})`);
  }
}

function explainPropertyName(e: ErrorObject, at: DocPath, name: string): Issue {
  const where = { path: [...at, name], at: 'key' as const };
  const quoted = JSON.stringify(name);
  if (e.schemaPath.endsWith('/properties/sessions/propertyNames')) {
    return {
      ...where,
      message: `${prefix(at)}invalid session name ${quoted}: ${NAME_RULE}`,
    };
  }
  if (e.schemaPath.endsWith('/properties/hosts/propertyNames')) {
    const why = name === LOCAL_HOST ? `"${LOCAL_HOST}" is reserved for this machine; give the host another name` : HOST_NAME_RULE;
    return { ...where, message: `${prefix(at)}invalid host name ${quoted}: ${why}` };
  }
  if (at.at(-1) === 'dependsOn') {
    return {
      ...where,
      message: `${prefix(at)}invalid target ${quoted}: write session, session:window or session:window.N (names of 1 to 64 letters, digits, '_' or '-'; N a pane's position from 0)`,
    };
  }
  if ((e.schema as { pattern?: string } | undefined)?.pattern === VARIABLE_NAME_PATTERN) {
    return { ...where, message: `${prefix(at)}invalid variable name ${quoted}: use ${VARIABLE_NAME_RULE}` };
  }
  return { ...where, message: `${prefix(at)}invalid key ${quoted}` };
}

function explainOneOf(e: ErrorObject, branches: SchemaNode[], at: DocPath): Issue {
  if (branches.every((b) => b.type !== undefined)) {
    const hint = ONE_OF_HINTS[String(at.at(-1))] ?? '';
    return { path: at, at: 'value', message: `${subject(at)} must be ${branches.map(describeSchema).join(' or ')}${hint}` };
  }
  // Branches told apart by which keys are present (healthCheck: command xor outputWithinSeconds).
  const alternatives = branches.flatMap((b) => b.required?.slice(0, 1) ?? []);
  const present = isRecord(e.data) ? alternatives.filter((k) => k in (e.data as object)) : [];
  const names = alternatives.map((k) => JSON.stringify(k));
  // ajv inlines the definitions, so the schema path does not say whose oneOf this is; its title does.
  const rule = EXCLUSIVE_RULES[String((e.parentSchema as { title?: string } | undefined)?.title)];
  const both = present.map((k) => JSON.stringify(k));
  if (rule) {
    const message = present.length === 0 ? `needs ${orList(names)}: ${rule}` : `has ${present.length === 2 ? 'both ' : ''}${andList(both)}: ${rule}`;
    return { path: at, at: 'key', message: `${prefix(at)}${message}` };
  }
  const message =
    present.length === 0
      ? `needs ${names.length === 2 ? `either ${names[0]} or ${names[1]}` : `one of: ${names.join(', ')}`}`
      : `has both ${both.join(' and ')}; keep only one`;
  return { path: at, at: 'key', message: `${prefix(at)}${message}` };
}

const orList = (items: string[]): string => (items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`);
const andList = (items: string[]): string => (items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`);

/**
 * A map that has none of its exclusive keys but an unknown key close to one of them (`comand:`):
 * the "did you mean" on the unknown key says it all, and "needs command" beside it would be noise.
 */
function misspeltAlternative(oneOf: ErrorObject, branches: SchemaNode[], errors: readonly ErrorObject[]): boolean {
  if (!isRecord(oneOf.data) || branches.some((b) => b.type !== undefined)) return false;
  const alternatives = branches.flatMap((b) => b.required?.slice(0, 1) ?? []);
  if (alternatives.some((k) => k in (oneOf.data as object))) return false;
  return errors.some(
    (e) =>
      e.keyword === 'additionalProperties' &&
      e.instancePath === oneOf.instancePath &&
      closestKey(String((e.params as Record<string, unknown>).additionalProperty), alternatives) !== undefined,
  );
}

/** ajv's instancePath is a JSON pointer of strings; list indexes become numbers so messages print `[0]`. */
function pathOf(pointer: string, data: unknown): DocPath {
  if (pointer === '') return [];
  const out: (string | number)[] = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      out.push(Number(segment));
      node = node[Number(segment)];
    } else {
      out.push(segment);
      node = isRecord(node) ? node[segment] : undefined;
    }
  }
  return out;
}

const DURATION_NAMES: Record<number, string> = { 3600: 'an hour', 86400: 'a day', 604800: 'a week' };

/** ` (a day)` after a limit in seconds, so nobody has to divide 86400 to see what the bound means. */
function durationName(limit: number, at: DocPath): string {
  const name = DURATION_NAMES[limit];
  return name !== undefined && String(at.at(-1)).endsWith('Seconds') ? ` seconds (${name})` : '';
}

const TYPE_NAMES: Record<string, string> = {
  string: 'string',
  number: 'number',
  integer: 'integer',
  boolean: 'boolean',
  object: 'map',
  array: 'list',
  null: 'null',
};

/** `a number`, `an integer`, `a string, number or boolean`. */
function describeType(type: string | string[]): string {
  const names = (Array.isArray(type) ? type : [type]).map((t) => TYPE_NAMES[t] ?? t);
  const listed = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
  return `${/^[aeiou]/.test(listed) ? 'an' : 'a'} ${listed}`;
}

function describeSchema(schema: SchemaNode): string {
  if (schema.type === 'array' && typeof schema.items?.type === 'string') {
    return `a list of ${TYPE_NAMES[schema.items.type] ?? schema.items.type}s`;
  }
  return describeType(schema.type ?? []);
}

function typeMatches(type: SchemaNode['type'], value: unknown): boolean {
  return (Array.isArray(type) ? type : [type]).some((t) => {
    switch (t) {
      case 'array':
        return Array.isArray(value);
      case 'object':
        return isRecord(value);
      case 'integer':
        return Number.isInteger(value);
      case 'null':
        return value === null;
      default:
        return typeof value === t;
    }
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
