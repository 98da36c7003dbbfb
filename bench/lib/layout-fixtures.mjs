import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SLEEP_ARGV } from './fixtures.mjs';

/**
 * The layout every tool builds in the layout section: per session one window named `main` with
 * PANES panes, each running `sleep 100000`, arranged `tiled`. One window of four panes is the shape
 * of a typical development session's busiest window (a dev server, a worker, a log tail, a shell):
 * the panes all live in one tmux window, so the cost measured is the one of split-window and
 * select-layout, the part that is new with windows and panes.
 */
export const LAYOUT = Object.freeze({ window: 'main', panes: 4, layout: 'tiled' });

const q = (s) => JSON.stringify(String(s));

/** A tmuxctl spec: one session per name, `windows:` with one window of LAYOUT.panes panes. */
export function writeTmuxctlLayoutSpec(file, sessionNames, { startSeconds = 0 } = {}) {
  const lines = ['version: 1', 'sessions:'];
  for (const name of sessionNames) {
    lines.push(`  ${name}:`);
    if (startSeconds !== undefined) lines.push(`    startSeconds: ${startSeconds}`);
    lines.push('    windows:', `      - name: ${LAYOUT.window}`, `        layout: ${LAYOUT.layout}`, '        panes:');
    for (let i = 0; i < LAYOUT.panes; i++) lines.push(`          - command: [${SLEEP_ARGV.map(q).join(', ')}]`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/**
 * What one raw `tmux source-file -` is fed to build the layout: per session `new-session`, one
 * `split-window` per further pane, then `select-layout`. Every target exact (`=name:`).
 */
export function rawLayoutBatch(sessionNames) {
  const cmd = SLEEP_ARGV.join(' ');
  const lines = [];
  for (const name of sessionNames) {
    lines.push(`new-session -d -s ${name} -n ${LAYOUT.window} ${cmd}`);
    for (let i = 1; i < LAYOUT.panes; i++) lines.push(`split-window -t =${name}: ${cmd}`);
    lines.push(`select-layout -t =${name}: ${LAYOUT.layout}`);
  }
  return `${lines.join('\n')}\n`;
}

/** One tmuxp workspace file per session (a tmuxp workspace is one session). */
export function writeTmuxpLayoutWorkspaces(dir, sessionNames) {
  const panes = Array.from({ length: LAYOUT.panes }, () => `      - ${SLEEP_ARGV.join(' ')}`);
  return sessionNames.map((name) => {
    const file = path.join(dir, `${name}.yaml`);
    writeFileSync(
      file,
      [`session_name: ${name}`, 'windows:', `  - window_name: ${LAYOUT.window}`, `    layout: ${LAYOUT.layout}`, '    panes:', ...panes, ''].join('\n'),
    );
    return file;
  });
}

/** One tmuxinator project per session, and a script starting them all one after the other. */
export function writeTmuxinatorLayoutProjects(dir, tmuxinator, socket, sessionNames) {
  const panes = Array.from({ length: LAYOUT.panes }, () => `        - ${SLEEP_ARGV.join(' ')}`);
  const files = sessionNames.map((name) => {
    const file = path.join(dir, `${name}.yml`);
    writeFileSync(
      file,
      [
        `name: ${name}`,
        `root: ${dir}`,
        `socket_name: ${socket}`,
        'attach: false',
        'windows:',
        `  - ${LAYOUT.window}:`,
        `      layout: ${LAYOUT.layout}`,
        '      panes:',
        ...panes,
        '',
      ].join('\n'),
    );
    return file;
  });
  const script = path.join(dir, 'start-all.sh');
  writeFileSync(script, `${['#!/bin/sh', 'set -e', ...files.map((f) => `${tmuxinator} start -p ${f} --no-attach >/dev/null`)].join('\n')}\n`);
  chmodSync(script, 0o755);
  return script;
}

/**
 * Splits a `source-file` script into its commands: lines, and within a line the commands joined by a
 * bare `;` (tmuxctl joins an action's commands so). Quotes are honoured as tmux reads them: nothing
 * inside '...' is special, a backslash escapes the next character elsewhere (`\n` in "..." is a newline).
 * @param {string} script
 * @returns {string[][]} the words of every command, in order
 */
export function commandWords(script) {
  const commands = [];
  for (const line of script.split('\n')) {
    let words = [];
    let word = '';
    let quote = '';
    let started = false;
    const endWord = () => {
      if (started) words.push(word);
      word = '';
      started = false;
    };
    const endCommand = () => {
      endWord();
      if (words.length > 0 && !words[0].startsWith('#')) commands.push(words);
      words = [];
    };
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quote === "'") {
        if (c === "'") quote = '';
        else word += c;
      } else if (c === '\\' && i + 1 < line.length) {
        const next = line[++i];
        word += quote === '"' && next === 'n' ? '\n' : next;
        started = true;
      } else if (quote === '"') {
        if (c === '"') quote = '';
        else word += c;
      } else if (c === "'" || c === '"') {
        quote = c;
        started = true;
      } else if (c === ' ' || c === '\t') endWord();
      else if (c === ';' && !started && (line[i + 1] === undefined || line[i + 1] === ' ')) endCommand();
      else {
        word += c;
        started = true;
      }
    }
    endCommand();
  }
  return commands;
}

/**
 * What a command is counted as: its name, and for `set-option` its scope (`-p` pane, `-w` window,
 * none: session), since every option command costs the server a pass over every session.
 * @param {string[]} words
 */
function commandKey(words) {
  const [name, ...rest] = words;
  if (name !== 'set-option' && name !== 'set') return name;
  const scope = rest.find((w) => /^-[A-Za-z]*[pwgs]/.test(w) && !w.startsWith('-t'));
  const flag = scope ? [...scope.slice(1)].filter((c) => 'pwgs'.includes(c)).join('') : '';
  return flag ? `${name} -${flag}` : `${name} (session)`;
}

/** Counts by command (commandKey), most frequent first: `{ 'split-window': 150, ... }`. */
export function countCommands(script) {
  const counts = {};
  for (const n of commandWords(script).map(commandKey)) counts[n] = (counts[n] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}

/** One command per line, every word single-quoted as tmuxctl quotes them (a newline as "\n"). */
export function commandScript(commands) {
  const quote = (w) =>
    w
      .split('\n')
      .map((piece) => `'${piece.replace(/'/g, `'\\''`)}'`)
      .join('"\\n"');
  return `${commands.map((words) => words.map(quote).join(' ')).join('\n')}\n`;
}
