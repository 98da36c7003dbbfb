import { isMap, isScalar, isSeq, YamlDocument } from '../spec/yaml.js';
import type { FrozenPane, FrozenSession, FrozenWindow } from './freeze.js';
import type { PaneRun } from './pane-run.js';

type Fields = Record<string, unknown>;

/**
 * The spec text: the schema line for editors, then YAML, each note as a comment above what it is
 * about. Commands are written as flow lists (`[sleep, '2000']`), one line each.
 */
export function renderSpec(sessions: readonly FrozenSession[], schemaRef: string): string {
  const body: Fields = {};
  for (const s of sessions) body[s.name] = { ...(s.cwd !== undefined && { cwd: s.cwd }), windows: s.windows.map(windowFields) };
  const doc = new YamlDocument({ version: 1, sessions: body });

  const sessionMap = doc.get('sessions', true);
  for (const pair of isMap(sessionMap) ? sessionMap.items : []) {
    const session = sessions.find((s) => isScalar(pair.key) && pair.key.value === s.name);
    if (session?.note && isScalar(pair.key)) pair.key.commentBefore = comment([session.note]);
    const windows = isMap(pair.value) ? pair.value.get('windows', true) : undefined;
    if (!session || !isSeq(windows)) continue;
    session.windows.forEach((w, i) => {
      const node = windows.items[i];
      if (!isMap(node)) return;
      const single = w.panes.length === 1;
      const notes = [w.note, ...(single ? [w.panes[0]!.note] : [])].filter((n): n is string => n !== undefined);
      if (notes.length > 0) node.commentBefore = comment(notes);
      const panes = node.get('panes', true);
      if (isSeq(panes))
        w.panes.forEach((p, j) => {
          const paneNode = panes.items[j];
          if (p.note && isMap(paneNode)) paneNode.commentBefore = comment([p.note]);
        });
    });
  }
  // Every command list on one line, whatever its depth.
  const flowCommands = (node: unknown): void => {
    if (isMap(node))
      for (const pair of node.items) {
        if (isScalar(pair.key) && pair.key.value === 'command' && isSeq(pair.value)) pair.value.flow = true;
        else flowCommands(pair.value);
      }
    else if (isSeq(node)) for (const item of node.items) flowCommands(item);
  };
  flowCommands(doc.contents);
  const yaml = doc.toString({ lineWidth: 0, singleQuote: true, flowCollectionPadding: false });
  return `# yaml-language-server: $schema=${schemaRef}\n${yaml}`;
}

function windowFields(w: FrozenWindow): Fields {
  if (w.panes.length === 1) {
    const pane = w.panes[0]!;
    const cwd = w.cwd ?? pane.cwd;
    return { name: w.name, ...(cwd !== undefined && { cwd }), ...runFields(pane.run) };
  }
  return {
    name: w.name,
    ...(w.cwd !== undefined && { cwd: w.cwd }),
    ...(w.layout !== undefined && { layout: w.layout }),
    panes: w.panes.map(paneFields),
  };
}

function paneFields(p: FrozenPane): Fields {
  return { ...runFields(p.run), ...(p.cwd !== undefined && { cwd: p.cwd }) };
}

function runFields(run: PaneRun): Fields {
  if (run.kind === 'command') return { command: run.command };
  return { ...(run.shell !== undefined && { shell: run.shell }), keys: run.keys };
}

/** yaml writes each line of a comment after '#'; a leading space reads as `# text`. */
function comment(lines: readonly string[]): string {
  return lines.map((l) => ` ${l.replace(/\n/g, ' ')}`).join('\n');
}
