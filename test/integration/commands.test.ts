import { chmodSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { allCmdlines, fixturesBin, quickSession, readIfExists, specDoc, useTmuxServer, waitFor } from '../helpers/tmux.js';

const t = useTmuxServer();
const recorder = path.join(fixturesBin, 'record-argv.mjs');

/** Arguments that any layer of quoting (YAML, tmux's command language, sh) would be tempted to touch. */
const NASTY = [
  'plain',
  'two words',
  '',
  "it's",
  'say "hi"',
  `'"'"'`,
  '$HOME',
  '${HOME}',
  '$(echo no)',
  '`echo no`',
  '~',
  '~/x',
  'a;b',
  ';',
  ' ; ',
  '\\;',
  '&& echo no',
  '| cat',
  '> /tmp/no',
  '#{session_name}',
  '#[fg=red]',
  '#',
  '%if',
  '{',
  '}',
  'back\\slash',
  'trailing\\',
  'line one\nline two',
  '\ttab',
  '*',
  '-t',
  '--',
  'é€😀',
];

async function recorded(file: string): Promise<{ argv: string[]; cwd: string }> {
  const text = await waitFor(() => readIfExists(file), 5000, `${file} written`);
  return JSON.parse(text);
}

describe('commands arrive exactly', () => {
  it('a list command is exec’d with exactly its argv', async () => {
    const out = t.path('argv-out.json');
    const file = t.writeSpec('argv/app.yaml', specDoc({ 'cmd-argv': quickSession([process.execPath, recorder, ...NASTY], { env: { RECORD_TO: out } }) }));
    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.exitCode, r.stderr).toBe(0);
    const got = await recorded(out);
    expect(got.argv).toEqual(NASTY);
    expect(got.cwd).toBe(path.dirname(file));
    // The pane process is the command itself: no shell in between.
    const pid = (await t.pane('cmd-argv'))!.pid;
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, 2)).toEqual([process.execPath, recorder]);
  });

  it('a one-word list command runs that program, whatever its name contains', async () => {
    const dir = t.path('odd bin');
    mkdirSync(dir, { recursive: true });
    const program = path.join(dir, `it's $a; prog`);
    const out = t.path('oneword-out.txt');
    writeFileSync(program, `#!/bin/sh\nprintf '%s|%s' "$0" "$#" > "$OUT"\nexec sleep 100000\n`);
    chmodSync(program, 0o755);
    const file = t.writeSpec('oneword/app.yaml', specDoc({ 'cmd-oneword': quickSession([program], { env: { OUT: out } }) }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    expect(await waitFor(() => readIfExists(out), 5000, 'program ran')).toBe(`${program}|0`);
  });

  it('a string command is run by sh -c exactly as written, quoted once', async () => {
    // Whatever sh makes of the script when run directly is what it must make of it in the pane.
    const script = [
      `printf '%s\\n' "$1" 'single '"'"'quoted'"'"'' "dollar: \\$HOME" 'hash: #{session_name}' "semi;colon" > "$OUT"`,
      `echo "var: $GREETING; home-set: \${HOME:+yes}" >> "$OUT" ; echo 'tilde: ~' ~/x >> "$OUT"`,
      `for w in a 'b c'; do printf '[%s]' "$w"; done >> "$OUT"`,
      `# a comment with 'quotes' and #{formats}`,
      // A heredoc keeps indentation and '#' lines: tmux's parser drops both after a newline unless escaped.
      `cat >> "$OUT" <<'EOF'`,
      `  indented # kept`,
      `# a line starting with a hash`,
      `\tand a tab`,
      `EOF`,
      `printf '\\n%s\\n' 'trailing \\ backslash' >> "$OUT"`,
      `exec sleep 100000`,
    ].join('\n');
    const out = t.path('shell-out.txt');
    const file = t.writeSpec('shell/app.yaml', specDoc({ 'cmd-shell': quickSession(script, { env: { OUT: out, GREETING: `it's "$x"` } }) }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const got = await waitFor(() => (readIfExists(out)?.endsWith('backslash\n') ? readIfExists(out) : undefined), 5000, 'script output');

    const expectedOut = t.path('shell-expected.txt');
    const direct = await execa('sh', ['-c', script.replace(/\nexec sleep 100000$/, '')], {
      env: { OUT: expectedOut, GREETING: `it's "$x"`, HOME: t.env.HOME },
      extendEnv: false,
      cwd: path.dirname(file),
    });
    expect(direct.exitCode).toBe(0);
    expect(got).toBe(readFileSync(expectedOut, 'utf8'));
    expect(got).toContain("single 'quoted'");
    expect(got).toContain('hash: #{session_name}');
    expect(got).toContain(`var: it's "$x"; home-set: yes`);
    expect(got).toContain('  indented # kept\n# a line starting with a hash\n\tand a tab\n');
  });
});

describe('the working directory arrives exactly', () => {
  it("even when its name holds tmux format characters ('#', '##', '#{...}'), on create and on restart", async () => {
    const dirs = ['cwd #1', 'cwd ## two', 'cwd #{session_name}'].map((d) => t.path(d));
    for (const d of dirs) mkdirSync(d, { recursive: true });
    const specFor = (cwd: string) => specDoc({ 'cmd-cwd': quickSession(['sleep', '100000'], { cwd }) });
    const cwdOfPane = async () => {
      const pid = (await t.pane('cmd-cwd'))!.pid;
      return readlinkSync(`/proc/${pid}/cwd`);
    };
    const file = t.writeSpec('cwd/app.yaml', specFor(dirs[0]!));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    expect(await cwdOfPane()).toBe(dirs[0]);
    for (const d of dirs.slice(1)) {
      t.writeSpec('cwd/app.yaml', specFor(d));
      expect((await t.tmuxctl(['apply', '-f', file])).stdout).toContain('~ restart cmd-cwd (cwd changed)');
      expect(await cwdOfPane()).toBe(d);
    }
  });
});

describe('environment values arrive exactly', () => {
  it('on create (new-session -e) and on restart (set-environment + respawn-pane)', async () => {
    const values = Object.fromEntries(NASTY.filter((v) => v !== '').map((v, i) => [`NASTY_${i}`, v]));
    const environOf = async () => {
      const pid = (await t.pane('cmd-env'))!.pid;
      const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      return Object.fromEntries(Object.keys(values).map((k) => [k, entries.find((e) => e.startsWith(`${k}=`))?.slice(k.length + 1)]));
    };
    const file = t.writeSpec('env/app.yaml', specDoc({ 'cmd-env': quickSession(['sleep', '100000'], { env: values }) }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    expect(await environOf()).toEqual(values);

    const changed = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, `${v}'2`]));
    t.writeSpec('env/app.yaml', specDoc({ 'cmd-env': quickSession(['sleep', '100000'], { env: changed }) }));
    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.stdout).toBe('~ restart cmd-env (environment changed)\napplied: 1 restarted\n');
    const pid = (await t.pane('cmd-env'))!.pid;
    const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    for (const [k, v] of Object.entries(changed)) expect(entries).toContain(`${k}=${v}`);
  });
});

describe('secrets stay out of argv', () => {
  it('no env or envFile value appears in any process argv, during apply and after, including restarts', async () => {
    const fromEnv = `env-secret-${Math.random().toString(36).slice(2)}`;
    const fromFile = `file-secret-${Math.random().toString(36).slice(2)}`;
    const fromCaller = `caller-secret-${Math.random().toString(36).slice(2)}`;
    const secrets = [fromEnv, fromFile, fromCaller];

    // Every tmux client tmuxctl runs goes through this shim, which records its argv to a file
    // (printf is a shell builtin, so recording puts nothing in anyone's argv) and then execs tmux.
    const shimDir = t.path('shim');
    const argvLog = t.path('tmux-argv.log');
    const realTmux = (await execa('sh', ['-c', 'command -v tmux'])).stdout.trim();
    mkdirSync(shimDir, { recursive: true });
    writeFileSync(path.join(shimDir, 'tmux'), `#!/bin/sh\nprintf '%s\\0' "$@" >> '${argvLog}'\nprintf '\\n' >> '${argvLog}'\nexec '${realTmux}' "$@"\n`);
    chmodSync(path.join(shimDir, 'tmux'), 0o755);
    const env = { PATH: `${shimDir}:${t.env.PATH}`, CALLER_TOKEN: fromCaller };

    t.writeSpec('secret/app.env', `FILE_TOKEN=${fromFile}\n`);
    const spec = (extra: string) =>
      specDoc({
        'sec-a': {
          command: `exec sleep 10000${extra}`,
          env: { ENV_TOKEN: fromEnv },
          envFile: 'app.env',
          requiredEnv: ['CALLER_TOKEN'],
          startSeconds: 0.5,
          stopTimeoutSeconds: 1,
        },
      });
    const file = t.writeSpec('secret/app.yaml', spec('0'));

    const leaks: string[] = [];
    const scan = () => {
      for (const p of allCmdlines()) {
        const joined = p.argv.join(' ');
        for (const s of secrets) if (joined.includes(s)) leaks.push(`pid ${p.pid}: ${joined}`);
      }
    };
    let running = true;
    const scanner = (async () => {
      while (running) {
        scan();
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    try {
      const created = await t.tmuxctl(['apply', '-f', file], { env });
      expect(created.exitCode, created.stderr).toBe(0);
      t.writeSpec('secret/app.yaml', spec('1')); // a restart goes through set-environment + respawn-pane
      const restarted = await t.tmuxctl(['apply', '-f', file], { env });
      expect(restarted.stdout).toContain('~ restart sec-a (command changed)');
      await t.tmuxctl(['status', '-f', file], { env });
    } finally {
      running = false;
      await scanner;
    }
    scan();
    expect(leaks).toEqual([]);

    const tmuxCalls = readFileSync(argvLog, 'utf8');
    expect(tmuxCalls).toContain('source-file'); // the shim did see tmuxctl's calls
    for (const s of secrets) expect(tmuxCalls).not.toContain(s);

    // The values did reach the process, through its environment.
    const pid = (await t.pane('sec-a'))!.pid;
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    expect(environ).toEqual(expect.arrayContaining([`ENV_TOKEN=${fromEnv}`, `FILE_TOKEN=${fromFile}`, `CALLER_TOKEN=${fromCaller}`]));
    // ... and into nothing tmuxctl stamps on the session or logs.
    const options = await t.tmux('show-options', '-t', (await t.pane('sec-a'))!.sessionId);
    for (const s of secrets) expect(options).not.toContain(s);
    const log = readIfExists(path.join(t.stateDir, 'events.log')) ?? '';
    for (const s of secrets) expect(log).not.toContain(s);
  });
});
