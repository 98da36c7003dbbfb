import { DEFAULT_COOLDOWN_SECONDS, DEFAULT_NOTIFY_ON, type NotifyChannel, type NotifyEventName, type NotifyTransport } from '../notify/types.js';
import { formatPath, type DocPath, type Issue } from './issue.js';
import { type EnvContext, readEnvFiles } from './resolve-env.js';
import type { RawInheritable } from './raw-spec.js';

/** A channel as the schema guarantees it once validated (exactly one of telegram, webhook, command). */
export interface RawNotifyChannel {
  telegram?: { botTokenEnv: string; chatIdEnv: string; apiBase?: string };
  webhook?: { url: string; headers?: Record<string, string> };
  command?: string[];
  on?: NotifyEventName[];
  cooldownSeconds?: number;
}

export const TELEGRAM_API = 'https://api.telegram.org';

/** Looks a variable up for notification settings: the file's env files, then tmuxctl's environment. */
export type NotifyLookup = (name: string) => string | undefined;

/** The file-level `envFile`, read as a lookup; a file that is missing or malformed is an issue at its path. */
export async function readNotifyEnv(envFile: RawInheritable['envFile'], ctx: EnvContext): Promise<{ lookup: NotifyLookup; files: string[]; issues: Issue[] }> {
  const read = await readEnvFiles(envFile, ['envFile'], ctx);
  const lookup: NotifyLookup = (name) => {
    const value = read.vars.get(name) ?? ctx.callerEnv[name];
    return value === undefined || value === '' ? undefined : value;
  };
  return { lookup, files: read.files, issues: read.issues };
}

const NAME_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
/** RFC 9110 token: what fetch accepts as a header name. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const NOT_SET = 'is not set (set it in the envFile of this spec file or in the environment tmuxctl runs in)';

/**
 * A list of raw channels (file-level `notify` or a session's) made into channels with their secrets
 * resolved (each one the schema accepted). `file` is the spec file as people name it, for labels. Issues name variables and keys,
 * never values: a value read from the environment is a secret as far as tmuxctl knows.
 */
export function resolveChannels(
  raw: readonly RawNotifyChannel[],
  at: DocPath,
  file: string,
  lookup: NotifyLookup,
  /** Whether the schema accepted what is at a path: a channel it did not is left to its message. */
  accepted: (path: DocPath) => boolean,
): { channels: NotifyChannel[]; issues: Issue[] } {
  const channels: NotifyChannel[] = [];
  const issues: Issue[] = [];
  raw.forEach((entry, i) => {
    const here = [...at, i];
    if (!accepted(here)) return;
    const secrets: string[] = [];
    const problem = (path: DocPath, message: string) => issues.push({ path, at: 'value', message: `${formatPath(path)} ${message}` });
    /** `${NAME}` replaced, each name reported once when unset. */
    const expand = (text: string, path: DocPath): string | undefined => {
      let ok = true;
      const out = text.replace(NAME_REF, (_m, name: string) => {
        const value = lookup(name);
        if (value === undefined) {
          problem(path, `names \${${name}}, which ${NOT_SET}`);
          ok = false;
          return '';
        }
        secrets.push(value);
        return value;
      });
      return ok ? out : undefined;
    };
    let transport: NotifyTransport | undefined;
    let kind = '';
    if (entry.telegram) {
      kind = 'telegram';
      const t = entry.telegram;
      const token = lookup(t.botTokenEnv);
      const chatId = lookup(t.chatIdEnv);
      if (token === undefined) problem([...here, 'telegram', 'botTokenEnv'], `names ${t.botTokenEnv}, which ${NOT_SET}`);
      if (chatId === undefined) problem([...here, 'telegram', 'chatIdEnv'], `names ${t.chatIdEnv}, which ${NOT_SET}`);
      if (token !== undefined && !/^[A-Za-z0-9:_-]+$/.test(token)) {
        problem([...here, 'telegram', 'botTokenEnv'], `names ${t.botTokenEnv}, whose value is not a bot token (letters, digits, ':', '_' and '-')`);
      } else if (token !== undefined && chatId !== undefined) {
        secrets.push(token, chatId);
        const apiBase = (t.apiBase ?? TELEGRAM_API).replace(/\/+$/, '');
        if (isHttpUrl(apiBase)) transport = { kind: 'telegram', apiBase, botToken: token, chatId };
        else problem([...here, 'telegram', 'apiBase'], 'must be an http:// or https:// address');
      }
    } else if (entry.webhook) {
      kind = 'webhook';
      const w = entry.webhook;
      const url = expand(w.url, [...here, 'webhook', 'url']);
      const headers: Record<string, string> = {};
      let headersOk = true;
      for (const [name, value] of Object.entries(w.headers ?? {})) {
        const path = [...here, 'webhook', 'headers', name];
        if (!HEADER_NAME.test(name)) {
          issues.push({ path, at: 'key', message: `${formatPath(path)}: ${JSON.stringify(name)} is not a header name` });
          headersOk = false;
          continue;
        }
        const expanded = expand(value, path);
        if (expanded === undefined) headersOk = false;
        else if (/[\r\n\0]/.test(expanded)) {
          problem(path, 'must not hold a line break or NUL byte once expanded');
          headersOk = false;
        } else headers[name] = expanded;
      }
      // The expanded address is not shown: `${NAME}` may have put a secret in it.
      if (url !== undefined && !isHttpUrl(url)) problem([...here, 'webhook', 'url'], 'must be an http:// or https:// address (once ${NAME}s are expanded)');
      else if (url !== undefined && headersOk) transport = { kind: 'webhook', url, headers };
    } else if (entry.command) {
      kind = 'command';
      const bad = entry.command.findIndex((a) => a.includes('\0'));
      if (bad >= 0) problem([...here, 'command', bad], 'must not hold a NUL byte');
      else transport = { kind: 'command', argv: [...entry.command] };
    }
    if (!transport) return;
    channels.push({
      label: `${kind} (${file} ${formatPath(here)})`,
      on: entry.on ? [...new Set(entry.on)] : DEFAULT_NOTIFY_ON,
      cooldownSeconds: entry.cooldownSeconds ?? DEFAULT_COOLDOWN_SECONDS,
      transport,
      secrets: secrets.filter((s) => s.length > 0),
    });
  });
  return { channels, issues };
}

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
