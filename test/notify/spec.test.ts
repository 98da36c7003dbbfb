import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/errors.js';
import { specHash } from '../../src/plan/hash.js';
import { loadDesiredState } from '../../src/spec/load.js';
import { panesOf } from '../../src/spec/types.js';
import { envFilesOf } from '../../src/supervise/spec-source.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function load(files: Record<string, string>, env: Record<string, string> = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'tmuxctl-notify-spec-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return loadDesiredState(['app.yaml'], { cwd: dir, env, home: '/nonexistent-home' });
}

const SESSIONS = `sessions:
  mon:
    command: sleep 100
    cwd: /
    notify:
      - command: [notify-send, tmuxctl]
        on: [recovered]
  other:
    command: sleep 100
`;

describe('spec: notify and the file-level envFile', () => {
  it('resolves the file channels for every session, a session adding its own; names from envFile, then the environment', async () => {
    const r = await load(
      {
        'app.yaml': `version: 1
envFile: notify.env
notify:
  - telegram: {botTokenEnv: TG_TOKEN, chatIdEnv: TG_CHAT}
  - webhook: {url: 'https://hooks.example.com/\${HOOK_PATH}', headers: {Authorization: 'Bearer \${HOOK_TOKEN}'}}
    cooldownSeconds: 60
${SESSIONS}`,
        'notify.env': 'TG_TOKEN=123:abc\nTG_CHAT=42\nHOOK_PATH=T000/B000\n',
      },
      { HOOK_TOKEN: 'from-env', TG_TOKEN: 'loses-to-the-file' },
    );
    if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
    const [mon, other] = r.desired.sessions;
    expect(mon!.notify!.map((c) => [c.label, c.on, c.cooldownSeconds])).toEqual([
      ['telegram (app.yaml notify[0])', ['start-failed', 'crash-loop', 'unhealthy', 'gave-up'], 300],
      ['webhook (app.yaml notify[1])', ['start-failed', 'crash-loop', 'unhealthy', 'gave-up'], 60],
      ['command (app.yaml sessions.mon.notify[0])', ['recovered'], 300],
    ]);
    expect(other!.notify!.map((c) => c.label)).toEqual(['telegram (app.yaml notify[0])', 'webhook (app.yaml notify[1])']);
    expect(mon!.notify![0]!.transport).toEqual({ kind: 'telegram', apiBase: 'https://api.telegram.org', botToken: '123:abc', chatId: '42' });
    expect(mon!.notify![1]!.transport).toEqual({ kind: 'webhook', url: 'https://hooks.example.com/T000/B000', headers: { Authorization: 'Bearer from-env' } });
    // The file-level envFile reaches no pane; watch reloads when it changes (a rotated token).
    expect(panesOf(mon!)[0]!.env).toEqual({});
    expect(envFilesOf(r.desired).map((f) => path.basename(f))).toEqual(['notify.env']);
  });

  it('is not part of the spec hash', async () => {
    const plain = await load({ 'app.yaml': `version: 1\n${SESSIONS.replace(/ {4}notify:\n.*\n.*\n/, '')}` });
    const notified = await load({ 'app.yaml': `version: 1\n${SESSIONS}` });
    if (!plain.ok || !notified.ok) throw new Error('expected both to load');
    expect(specHash(panesOf(notified.desired.sessions[0]!)[0]!)).toBe(specHash(panesOf(plain.desired.sessions[0]!)[0]!));
  });

  it('unset names, a bad url and a missing env file are positioned errors that show no value', async () => {
    const r = await load(
      {
        'app.yaml': `version: 1
envFile: missing.env
notify:
  - telegram: {botTokenEnv: TG_TOKEN, chatIdEnv: TG_CHAT}
  - webhook: {url: '\${SECRET_URL}', headers: {X-Key: '\${NOPE}'}}
  - webhook: {url: 'ftp://\${SECRET}'}
sessions:
  mon: {command: sleep 100}
`,
      },
      { TG_TOKEN: '123:abc', SECRET_URL: 'not a url', SECRET: 'hunter2' },
    );
    expect(r.ok ? [] : r.problems.map(formatProblem)).toEqual([
      'app.yaml:2:10: envFile: env file "missing.env" not found (looked for missing.env)',
      'app.yaml:4:50: notify[0].telegram.chatIdEnv names TG_CHAT, which is not set (set it in the envFile of this spec file or in the environment tmuxctl runs in)',
      'app.yaml:5:20: notify[1].webhook.url must be an http:// or https:// address (once ${NAME}s are expanded)',
      'app.yaml:5:54: notify[1].webhook.headers.X-Key names ${NOPE}, which is not set (set it in the envFile of this spec file or in the environment tmuxctl runs in)',
      'app.yaml:6:20: notify[2].webhook.url must be an http:// or https:// address (once ${NAME}s are expanded)',
    ]);
  });
});
