import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/errors.js';
import { specHash } from '../../src/plan/hash.js';
import { HOST_NAME } from '../../src/spec/host-name.js';
import { type LoadOptions, loadDesiredState } from '../../src/spec/load.js';
import { expandRemoteHome } from '../../src/spec/remote-path.js';
import { type DesiredState, LOCAL_HOST, panesOf, type SessionSpec } from '../../src/spec/types.js';
import { schemaUrl } from '../../src/spec/validate.js';
import { readFileSync } from 'node:fs';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tmuxctl-hosts-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const HOSTS = "hosts:\n  gpu1: {ssh: 'kyuwon@gpu1.lab'}\n  gpu2: {ssh: 'ssh://kyuwon@gpu2.lab:2222', stateDir: '~/tmuxctl-state'}\n";

/** Writes each file (name -> text) into the temp folder and loads them all, as `-f` with those names. */
async function loadFiles(files: Record<string, string>, opts: Partial<LoadOptions> = {}) {
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return loadDesiredState(Object.keys(files), { cwd: dir, env: {}, home: '/nonexistent-home', loginShell: '/bin/test-login-shell', ...opts });
}

async function load(files: Record<string, string>, opts: Partial<LoadOptions> = {}): Promise<DesiredState> {
  const result = await loadFiles(files, opts);
  if (!result.ok) throw new Error(`expected a valid load, got:\n${result.problems.map(formatProblem).join('\n')}`);
  return result.desired;
}

async function problems(files: Record<string, string>, opts: Partial<LoadOptions> = {}): Promise<string[]> {
  const result = await loadFiles(files, opts);
  if (result.ok) throw new Error(`expected problems, but it loaded ${result.desired.sessions.length} sessions`);
  return result.problems.map(formatProblem);
}

const where = (sessions: SessionSpec[]) => sessions.map((s) => `${s.host}/${s.name}`);

describe('hosts: declaring them', () => {
  it('lists every declared host with its ssh destination, state folder (remote ~ kept) and file', async () => {
    const desired = await load({ 'a.yaml': `version: 1\n${HOSTS}sessions: {}\n` });
    const source = path.join(dir, 'a.yaml');
    expect(desired.hosts).toEqual([
      { name: 'gpu1', ssh: 'kyuwon@gpu1.lab', stateDir: '~/.local/state/tmuxctl', source },
      { name: 'gpu2', ssh: 'ssh://kyuwon@gpu2.lab:2222', stateDir: '~/tmuxctl-state', source },
    ]);
  });

  it('a relative stateDir is relative to the remote home; an absolute one is kept', async () => {
    const desired = await load({ 'a.yaml': 'version: 1\nhosts:\n  a: {ssh: a, stateDir: state/t}\n  b: {ssh: b, stateDir: /var/t}\n' });
    expect(desired.hosts.map((h) => h.stateDir)).toEqual(['~/state/t', '/var/t']);
  });

  it('a file may hold only hosts (no sessions), and a file without hosts still needs sessions', async () => {
    const desired = await load({ 'hosts.yaml': `version: 1\n${HOSTS}`, 'app.yaml': 'version: 1\nsessions:\n  a: {host: gpu2, command: x}\n' });
    expect(where(desired.sessions)).toEqual(['gpu2/a']);
    expect(await problems({ 'app.yaml': 'version: 1\n' })).toEqual(['app.yaml:1:1: missing required key "sessions"']);
  });

  it('has no hosts when none are declared, and every session is on this machine', async () => {
    const desired = await load({ 'a.yaml': 'version: 1\nsessions:\n  a: {command: x}\n' });
    expect(desired.hosts).toEqual([]);
    expect(desired.sessions[0].host).toBe('local');
    expect(LOCAL_HOST).toBe('local');
  });

  it('rejects bad host names, `local`, a missing or option-like ssh, and unknown keys, each at its place', async () => {
    const yaml = [
      'version: 1',
      'hosts:',
      '  gpu1/a: {ssh: x}',
      "  'gpu:1': {ssh: x}",
      '  local: {ssh: x}',
      '  gpu2: {stateDir: /s}',
      "  gpu3: {ssh: '-oProxyCommand=sh'}",
      "  gpu4: {ssh: 'a b'}",
      '  gpu5: {ssh: x, statedir: /s}',
      "  gpu6: {ssh: ''}",
      '  gpu7: x',
      'sessions: {}',
      '',
    ].join('\n');
    expect(await problems({ 'a.yaml': yaml })).toEqual([
      `a.yaml:3:3: hosts: invalid host name "gpu1/a": use 1 to 64 letters, digits, '.', '_' or '-' ('/' and ':' are never allowed: targets are written host/session:window), and not "local" (this machine)`,
      `a.yaml:4:3: hosts: invalid host name "gpu:1": use 1 to 64 letters, digits, '.', '_' or '-' ('/' and ':' are never allowed: targets are written host/session:window), and not "local" (this machine)`,
      'a.yaml:5:3: hosts: invalid host name "local": "local" is reserved for this machine; give the host another name',
      'a.yaml:6:3: hosts.gpu2: missing required key "ssh"',
      "a.yaml:7:15: hosts.gpu3.ssh must be an ssh destination (host, user@host, ssh://user@host:port or a Host of ~/.ssh/config; not starting with '-', no spaces)",
      "a.yaml:8:15: hosts.gpu4.ssh must be an ssh destination (host, user@host, ssh://user@host:port or a Host of ~/.ssh/config; not starting with '-', no spaces)",
      'a.yaml:9:18: hosts.gpu5: unknown key "statedir" (did you mean "stateDir"?); allowed: ssh, stateDir',
      'a.yaml:10:15: hosts.gpu6.ssh must not be empty',
      'a.yaml:11:9: hosts.gpu7 must be a map',
    ]);
  });

  it('a host with a problem is still declared: its sessions are not also told the name is unknown', async () => {
    expect(await problems({ 'a.yaml': "version: 1\nhosts:\n  gpu1: {ssh: '-x'}\n  gpu2: {}\nsessions:\n  a: {hosts: [gpu1, gpu2], command: x}\n" })).toEqual([
      "a.yaml:3:15: hosts.gpu1.ssh must be an ssh destination (host, user@host, ssh://user@host:port or a Host of ~/.ssh/config; not starting with '-', no spaces)",
      'a.yaml:4:3: hosts.gpu2: missing required key "ssh"',
    ]);
  });

  it('a host name is unique across files: the second is an error at its place naming the first', async () => {
    expect(
      await problems({
        'a.yaml': `version: 1\n${HOSTS}sessions: {}\n`,
        'b.yaml': 'version: 1\nhosts:\n  gpu3: {ssh: c}\n  gpu2: {ssh: d}\nsessions: {}\n',
      }),
    ).toEqual(['b.yaml:4:3: host "gpu2" is already declared in a.yaml:4:3']);
  });

  it('a misspelt top-level `hosts` is an unknown key with a suggestion', async () => {
    expect(await problems({ 'a.yaml': 'version: 1\nhots:\n  gpu1: {ssh: x}\nsessions: {}\n' })).toEqual([
      'a.yaml:2:1: unknown key "hots" (did you mean "hosts"?); allowed: version, notify, envFile, sessions, hosts',
    ]);
  });

  it('the schema and the loader agree on host names', () => {
    const schema = JSON.parse(readFileSync(schemaUrl, 'utf8')) as { properties: { hosts: { propertyNames: { pattern: string } } } };
    expect(schema.properties.hosts.propertyNames.pattern).toBe(HOST_NAME.source);
  });
});

describe('hosts: placing sessions', () => {
  it('a session with no host is on this machine; host: local says the same', async () => {
    const desired = await load({ 'a.yaml': 'version: 1\nsessions:\n  a: {command: x}\n  b: {host: local, command: x}\n' });
    expect(where(desired.sessions)).toEqual(['local/a', 'local/b']);
  });

  it('hosts: [a, b] is one session per host, alike but for the host, sorted by name then host (this machine first)', async () => {
    const desired = await load({
      'a.yaml': `version: 1\n${HOSTS}sessions:\n  monitor: {hosts: [gpu2, gpu1, local], command: 'python -m monitor', cwd: '/srv'}\n  agent-a: {host: gpu1, command: claude}\n`,
    });
    expect(where(desired.sessions)).toEqual(['gpu1/agent-a', 'local/monitor', 'gpu1/monitor', 'gpu2/monitor']);
    const [, , one, two] = desired.sessions;
    expect({ ...two, host: 'gpu1' }).toEqual(one);
    expect(panesOf(one)[0].cwd).toBe('/srv');
  });

  it('the spec hash does not depend on the host: a move between hosts is a create and a prune, not a change', async () => {
    const desired = await load({ 'a.yaml': `version: 1\n${HOSTS}sessions:\n  m: {hosts: [gpu1, gpu2, local], command: x, cwd: /, env: {A: '1'}}\n` });
    const hashes = desired.sessions.map((s) => specHash(panesOf(s)[0]));
    expect(new Set(hashes).size).toBe(1);
  });

  it('hosts declared in one file are used in another, in either load order', async () => {
    const files = { 'a.yaml': 'version: 1\nsessions:\n  a: {host: gpu1, command: x}\n', 'b.yaml': `version: 1\n${HOSTS}sessions: {}\n` };
    expect(where((await load(files)).sessions)).toEqual(['gpu1/a']);
  });

  it('an unknown host is an error at the value, listing the declared hosts and local', async () => {
    expect(
      await problems({
        'a.yaml': `version: 1\n${HOSTS}sessions:\n  a: {host: gpu3, command: x}\n  b: {hosts: [gpu1, gpu9], command: x}\n  c: {host: gpu1/a, command: x}\n`,
      }),
    ).toEqual([
      'a.yaml:6:13: sessions.a.host: unknown host "gpu3" (did you mean "gpu1"?); declared hosts: gpu1, gpu2, and "local" (this machine)',
      'a.yaml:7:21: sessions.b.hosts[1]: unknown host "gpu9" (did you mean "gpu1"?); declared hosts: gpu1, gpu2, and "local" (this machine)',
      'a.yaml:8:13: sessions.c.host: unknown host "gpu1/a" (did you mean "gpu1"?); declared hosts: gpu1, gpu2, and "local" (this machine)',
    ]);
  });

  it('an unknown host when none is declared says where hosts are declared', async () => {
    expect(await problems({ 'a.yaml': 'version: 1\nsessions:\n  a: {host: gpu1, command: x}\n' })).toEqual([
      'a.yaml:3:13: sessions.a.host: unknown host "gpu1"; no hosts are declared (declare one under a top-level "hosts:" of any spec file); "local" is this machine',
    ]);
  });

  it('host and hosts together, an empty hosts, the same host twice, and wrong types are errors at their place', async () => {
    const yaml = [
      'version: 1',
      HOSTS.trimEnd(),
      'sessions:',
      '  both: {host: gpu1, hosts: [gpu2], command: x}',
      '  empty: {hosts: [], command: x}',
      '  twice: {hosts: [gpu1, gpu2, gpu1], command: x}',
      '  number: {host: 3, command: x}',
      '  scalar: {hosts: gpu1, command: x}',
      '',
    ].join('\n');
    expect(await problems({ 'a.yaml': yaml })).toEqual([
      'a.yaml:6:22: sessions.both: has both "host" and "hosts"; keep one ("host: NAME" runs it on one host, "hosts: [NAMES]" one copy on each)',
      'a.yaml:7:18: sessions.empty.hosts must not be an empty list',
      'a.yaml:8:31: sessions.twice.hosts[2]: host "gpu1" is already listed at sessions.twice.hosts[0] (line 8); a session runs once per host',
      'a.yaml:9:18: sessions.number.host must be a string',
      'a.yaml:10:19: sessions.scalar.hosts must be a list',
    ]);
  });

  it('`host` is a session key: misspelt, it is an unknown key with a suggestion', async () => {
    const lines = await problems({ 'a.yaml': `version: 1\n${HOSTS}sessions:\n  a: {hots: [gpu1], command: x}\n` });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^a\.yaml:6:7: sessions\.a: unknown key "hots" \(did you mean "host"\?\); allowed: .*, notify, host, hosts$/);
  });
});

describe('hosts: session names are unique per host', () => {
  it('the same name on two hosts, from two files, is two sessions', async () => {
    const desired = await load({
      'a.yaml': `version: 1\n${HOSTS}sessions:\n  monitor: {host: gpu1, command: one}\n`,
      'b.yaml': 'version: 1\nsessions:\n  monitor: {hosts: [gpu2, local], command: two}\n',
    });
    expect(where(desired.sessions)).toEqual(['local/monitor', 'gpu1/monitor', 'gpu2/monitor']);
  });

  it('the same name twice on one host is an error at the second, naming the host and the first place', async () => {
    expect(
      await problems({
        'a.yaml': `version: 1\n${HOSTS}sessions:\n  monitor: {hosts: [gpu1, gpu2], command: one}\n  notes: {command: x}\n`,
        'b.yaml': 'version: 1\nsessions:\n  monitor: {hosts: [local, gpu2], command: two}\n  notes: {host: local, command: y}\n',
      }),
    ).toEqual([
      'b.yaml:3:3: session "monitor" on host "gpu2" is already declared in a.yaml:6:3',
      'b.yaml:4:3: session "notes" is already declared in a.yaml:7:3',
    ]);
  });
});

describe("hosts: paths of a remote session are the remote's", () => {
  it('a remote cwd with ~ is kept as written and not checked here; a relative one is relative to the remote home', async () => {
    const desired = await load({
      'a.yaml': `version: 1\n${HOSTS}sessions:\n  a: {host: gpu1, command: x, cwd: '~/claude-ops'}\n  b: {host: gpu1, command: x, cwd: /no/such/folder}\n  c: {host: gpu1, command: x, cwd: work/app}\n  d: {host: gpu1, command: x}\n`,
    });
    expect(desired.sessions.map((s) => panesOf(s)[0].cwd)).toEqual(['~/claude-ops', '/no/such/folder', '~/work/app', '~']);
  });

  it('a missing cwd of a session on this machine is still an error', async () => {
    expect(await problems({ 'a.yaml': `version: 1\n${HOSTS}sessions:\n  a: {host: local, command: x, cwd: '~/claude-ops'}\n` })).toEqual([
      'a.yaml:6:37: sessions.a.cwd: folder "~/claude-ops" not found (looked for /nonexistent-home/claude-ops)',
    ]);
  });

  it("a session on this machine and a remote host gets each its own cwd; only this machine's is checked", async () => {
    mkdirSync(path.join(dir, 'app'));
    const desired = await load({ 'a.yaml': `version: 1\n${HOSTS}sessions:\n  a: {hosts: [local, gpu1], command: x, cwd: app}\n` });
    expect(desired.sessions.map((s) => [s.host, panesOf(s)[0].cwd])).toEqual([
      ['local', path.join(dir, 'app')],
      ['gpu1', '~/app'],
    ]);
    rmSync(path.join(dir, 'app'), { recursive: true });
    expect(await problems({ 'a.yaml': `version: 1\n${HOSTS}sessions:\n  a: {hosts: [local, gpu1], command: x, cwd: app}\n` })).toEqual([
      `a.yaml:6:46: sessions.a.cwd: folder "app" not found (looked for app)`,
    ]);
  });

  it("a cwd on a window or pane of a remote session is the remote's too", async () => {
    const desired = await load({
      'a.yaml': `version: 1\n${HOSTS}sessions:\n  a:\n    host: gpu2\n    windows:\n      - name: w\n        cwd: logs\n        panes:\n          - command: x\n          - {command: y, cwd: '~'}\n`,
    });
    expect(panesOf(desired.sessions[0]).map((p) => p.cwd)).toEqual(['~/logs', '~']);
  });

  it("a remote keys pane runs /bin/sh unless it names a shell: this machine's login shell is not the remote's", async () => {
    const desired = await load({
      'a.yaml': `version: 1\n${HOSTS}sessions:\n  a: {hosts: [local, gpu1], keys: ls, cwd: /}\n  b: {host: gpu1, keys: ls, shell: zsh}\n`,
    });
    expect(desired.sessions.map((s) => [`${s.host}/${s.name}`, panesOf(s)[0].command])).toEqual([
      ['local/a', { kind: 'argv', argv: ['/bin/test-login-shell'] }],
      ['gpu1/a', { kind: 'argv', argv: ['/bin/sh'] }],
      ['gpu1/b', { kind: 'argv', argv: ['zsh'] }],
    ]);
  });

  it('env files of a remote session are still read here, their values in the spec', async () => {
    writeFileSync(path.join(dir, 'app.env'), 'TOKEN=s3cr3t\n');
    const desired = await load({ 'a.yaml': `version: 1\n${HOSTS}sessions:\n  a: {host: gpu1, command: x, envFile: app.env}\n` });
    expect(panesOf(desired.sessions[0])[0]).toMatchObject({ env: { TOKEN: 's3cr3t' }, envFiles: [path.join(dir, 'app.env')] });
    expect(await problems({ 'a.yaml': `version: 1\n${HOSTS}sessions:\n  a: {host: gpu1, command: x, envFile: missing.env}\n` })).toEqual([
      'a.yaml:6:40: sessions.a.envFile: env file "missing.env" not found (looked for missing.env)',
    ]);
  });

  it('expandRemoteHome puts the remote home in place of a leading ~ only', () => {
    expect(['~', '~/a/b', '/abs', '~x/y'].map((p) => expandRemoteHome(p, '/home/k/'))).toEqual(['/home/k', '/home/k/a/b', '/abs', '~x/y']);
  });
});

describe('hosts: dependsOn looks on the same host', () => {
  it('a dependency on a session of the same host loads, on each host of a hosts: list', async () => {
    const desired = await load({
      'a.yaml': `version: 1\n${HOSTS}sessions:\n  db: {hosts: [gpu1, gpu2], command: db}\n  app: {hosts: [gpu1, gpu2], command: app, dependsOn: {db: started}}\n`,
    });
    expect(where(desired.sessions)).toEqual(['gpu1/app', 'gpu2/app', 'gpu1/db', 'gpu2/db']);
  });

  it('naming a session that is only on another host is an error that says so', async () => {
    expect(
      await problems({
        'a.yaml': `version: 1\n${HOSTS}sessions:\n  db: {host: gpu1, command: db}\n  app: {hosts: [gpu1, gpu2], command: app, dependsOn: {db: started}}\n  web: {command: web, dependsOn: {db: started}}\n`,
      }),
    ).toEqual([
      'a.yaml:7:56: sessions.app.dependsOn.db: session "db" is not declared on host "gpu2", only on host "gpu1"; a dependency is a session on the same host (declare "db" there too, or drop the dependency)',
      'a.yaml:8:35: sessions.web.dependsOn.db: session "db" is not declared on this machine (host "local"), only on host "gpu1"; a dependency is a session on the same host (declare "db" there too, or drop the dependency)',
    ]);
  });

  it('a name declared nowhere is reported for each host of the session, with the names there to suggest', async () => {
    expect(
      await problems({
        'a.yaml': `version: 1\n${HOSTS}sessions:\n  dbx: {hosts: [gpu1, gpu2], command: db}\n  app: {hosts: [gpu1, gpu2], command: app, dependsOn: {db: started}}\n`,
      }),
    ).toEqual([
      'a.yaml:7:56: sessions.app.dependsOn.db: no session "db" is declared on host "gpu1" (did you mean "dbx"?); a target is a session declared in any spec file loaded together, session:window or session:window.N',
      'a.yaml:7:56: sessions.app.dependsOn.db: no session "db" is declared on host "gpu2" (did you mean "dbx"?); a target is a session declared in any spec file loaded together, session:window or session:window.N',
    ]);
  });

  it('a problem of a dependency said alike on each host of a session is said once', async () => {
    expect(
      await problems({
        'a.yaml': `version: 1\n${HOSTS}sessions:\n  db: {hosts: [gpu1, gpu2], command: db}\n  app: {hosts: [gpu1, gpu2], command: app, dependsOn: {db: healthy}}\n`,
      }),
    ).toEqual(['a.yaml:7:56: sessions.app.dependsOn.db: "healthy" needs a healthCheck on "db", which has none; give it one, or use "started"']);
  });

  it('a dependency on a session whose hosts cannot be read is not also reported as missing', async () => {
    expect(
      await problems({
        'a.yaml': `version: 1\n${HOSTS}sessions:\n  db: {hosts: [gpu1, gpu1], command: db}\n  app: {host: gpu1, command: app, dependsOn: {db: started}}\n`,
      }),
    ).toEqual(['a.yaml:6:22: sessions.db.hosts[1]: host "gpu1" is already listed at sessions.db.hosts[0] (line 6); a session runs once per host']);
  });

  it('a cycle on a remote host names its panes host/target; sessions of the same names on two hosts do not make one', async () => {
    expect(
      await problems({
        'a.yaml': `version: 1\n${HOSTS}sessions:\n  a: {host: gpu1, command: a, dependsOn: {b: started}}\n  b: {host: gpu1, command: b, dependsOn: {a: started}}\n`,
      }),
    ).toEqual([
      'a.yaml:6:43: sessions.a.dependsOn.b: dependency cycle: gpu1/a -> gpu1/b -> gpu1/a; dependencies may not form a cycle (a pane cannot wait for itself)',
    ]);
    // a waits for b on gpu1, b waits for a on gpu2: no pane waits for itself.
    const desired = await load({
      'a.yaml': `version: 1\n${HOSTS}sessions:\n  a: {host: gpu1, command: a, dependsOn: {b: started}}\n  b: {host: gpu1, command: b}\n`,
      'b.yaml': 'version: 1\nsessions:\n  a: {host: gpu2, command: a}\n  b: {host: gpu2, command: b, dependsOn: {a: started}}\n',
    });
    expect(where(desired.sessions)).toEqual(['gpu1/a', 'gpu2/a', 'gpu1/b', 'gpu2/b']);
  });
});

describe('hosts: supervision on a host', () => {
  it('loads healthCheck, orphans and memoryLimitMB on a session on a host, wherever they are set, as on this machine', async () => {
    const spec = [
      'version: 1',
      HOSTS.trimEnd(),
      'sessions:',
      '  there:',
      '    host: gpu1',
      '    command: x',
      '    healthCheck: {command: "true"}',
      '  panes-there:',
      '    hosts: [local, gpu2]',
      '    windows:',
      '      - name: w',
      '        panes:',
      '          - {command: y, memoryLimitMB: 100}',
      '          - {command: z, orphans: {match: zz}}',
      '',
    ].join('\n');
    const desired = await load({ 'a.yaml': spec });
    const on = (host: string, session: string) => desired.sessions.filter((s) => s.host === host && s.name === session).flatMap(panesOf);
    expect(on('gpu1', 'there')[0]?.healthCheck).toMatchObject({ kind: 'command' });
    for (const host of [LOCAL_HOST, 'gpu2']) {
      expect(on(host, 'panes-there').map((p) => [p.memoryLimitMB, p.orphans?.match])).toEqual([
        [100, undefined],
        [undefined, 'zz'],
      ]);
    }
  });
});
