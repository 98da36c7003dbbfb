import type { DraftNode, DraftSession, DraftWindow } from './draft.js';
import { escapeControl } from './render-value.js';
import { SCHEMA_LINE } from './schema-line.js';
import { Document, isMap, isSeq, type YAMLMap, type YAMLSeq } from './yaml.js';

/** The order fields are written in at every level: what runs first, then where and how. */
const ORDER = ['command', 'keys', 'cwd', 'shell', 'env', 'envFile', 'restart', 'startSeconds', 'stopTimeoutSeconds', 'backoff', 'healthCheck'];

/**
 * The spec text: the schema line, then `version: 1` and the sessions, with every remark and
 * `not imported` line as a comment just before the session, window or pane it belongs to.
 */
export function emitSpec(sessions: DraftSession[]): string {
  const sessionsValue: Record<string, unknown> = {};
  for (const s of sessions) {
    sessionsValue[s.name] = { ...ordered(s.fields), windows: s.windows.map(windowValue) };
  }
  const doc = new Document({ version: 1, sessions: sessionsValue });
  const sessionsNode = doc.get('sessions') as YAMLMap;
  sessions.forEach((s, i) => {
    const pair = sessionsNode.items[i];
    if (!pair) return;
    const key = pair.key as { commentBefore?: string | null };
    key.commentBefore = comment([`from ${s.file} (${s.format})`, ...s.remarks, ...s.notImported]);
    const value = pair.value as YAMLMap;
    const windows = value.get('windows') as YAMLSeq;
    s.windows.forEach((w, j) => {
      decorateWindow(windows.items[j] as YAMLMap, w);
    });
  });
  return `${SCHEMA_LINE}\n${doc.toString({ lineWidth: 0, flowCollectionPadding: false })}`;
}

function windowValue(w: DraftWindow): Record<string, unknown> {
  const value: Record<string, unknown> = { name: w.name };
  if (w.layout !== undefined) value.layout = w.layout;
  Object.assign(value, ordered(w.fields));
  if (w.panes.length > 1) value.panes = w.panes.map((p) => ordered(p.fields));
  return value;
}

function decorateWindow(node: YAMLMap, w: DraftWindow): void {
  node.commentBefore = comment([...w.remarks, ...w.notImported]);
  decorateFields(node);
  if (w.panes.length < 2) return;
  const panes = node.get('panes') as YAMLSeq;
  w.panes.forEach((p: DraftNode, k) => {
    const paneNode = panes.items[k] as YAMLMap;
    paneNode.commentBefore = comment([...p.remarks, ...p.notImported]);
    decorateFields(paneNode);
  });
}

/** argv and backoff on one line, as people write them: `command: [npm, run, dev]`. */
function decorateFields(node: YAMLMap): void {
  for (const key of ['command', 'backoff']) {
    const value = node.get(key);
    if (isSeq(value) || isMap(value)) value.flow = true;
  }
  const health = node.get('healthCheck');
  if (isMap(health)) {
    const command = health.get('command');
    if (isSeq(command)) command.flow = true;
  }
}

function ordered(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ORDER) if (fields[key] !== undefined) out[key] = fields[key];
  for (const [key, value] of Object.entries(fields)) if (!(key in out) && value !== undefined) out[key] = value;
  return out;
}

/**
 * yaml writes each line of commentBefore as its own `#` line; the leading space gives `# text`.
 * A value from the source may hold a carriage return or another character a YAML reader takes as
 * a line break: escaped here, so nothing in a comment can end it and become part of the spec.
 */
function comment(lines: string[]): string | undefined {
  if (lines.length === 0) return undefined;
  return lines.map((l) => ` ${escapeControl(l)}`).join('\n');
}
