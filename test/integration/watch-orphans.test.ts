import { spawn } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, isProcessAlive, killOwned, quickSession, readIfExists, specDoc, useTmuxServer, waitFor } from '../helpers/tmux.js';
import { eventsOf, livePid, shQuote, startWatch, timeUntil } from '../helpers/watch.js';

const t = useTmuxServer();

/**
 * The incident, replayed with a token so that no other process on the machine can match: the
 * pattern is in the start script's name, in the spec file's name (so in every tmuxctl command line
 * here), in the tmux server's argv, in a tmux client's argv, and in the managed monitor's own
 * command line. Only the real orphans may be stopped.
 */
const TOKEN = Math.random().toString(36).slice(2, 8);
const PATTERN = `multi_monitor_${TOKEN}`;
const specFile = () => t.path('specs', `${PATTERN}.yaml`);

/** PIDs this file started; killed in teardown, if still alive and still what we started. */
const mine: number[] = [];
afterAll(() => killOwned(mine, TOKEN));

/**
 * A node process that idles forever; its command line becomes exactly `tag` once it is ready (its
 * SIGTERM handler installed, for a `stubborn` one), so no pass can see it match before then.
 */
async function idler(tag: string, stubborn = false): Promise<number> {
  // The tag comes by environment, so that nothing in the argv matches before the title is set.
  const code = `${stubborn ? "process.on('SIGTERM',()=>{});" : ''}process.title=process.env.IDLER_TAG;setInterval(()=>{},1e9);process.stdout.write('ready')`;
  const child = spawn(process.execPath, ['-e', code], { detached: true, stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, IDLER_TAG: tag } });
  mine.push(child.pid!);
  await new Promise<void>((resolve) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', () => resolve()); // a pass may stop it between its title and its 'ready'
  });
  child.stdout!.destroy();
  child.unref();
  return child.pid!;
}

/** A start script named like the monitor, running a tmuxctl command. */
function startScript(name: string, args: string[], outFile: string): string {
  const script = t.path(name);
  const tmuxctl = [process.execPath, cliPath, '-L', t.socket, ...args].map(shQuote).join(' ');
  writeFileSync(script, `#!/bin/sh\n${tmuxctl} > ${shQuote(outFile)} 2>&1\necho "exit $?" >> ${shQuote(outFile)}\n`);
  chmodSync(script, 0o755);
  return script;
}

async function runScript(script: string): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const child = spawn(script, [], { cwd: t.root, env: t.env, stdio: 'ignore' });
  mine.push(child.pid!);
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
}

let serverPid: number;
let clientPid: number;

beforeAll(async () => {
  // (b) of the incident: the server is first started by a new-session whose argv carries the pattern.
  await t.tmux('new-session', '-d', '-s', 'x', `sleep 100000 # ${PATTERN}`);
  serverPid = Number((await t.tmux('display-message', '-p', '-t', '=x:', '#{pid}')).trim());
  expect(readIfExists(`/proc/${serverPid}/cmdline`)).toContain(PATTERN);
  // A tmux client whose argv matches too (it blocks until its channel is signalled).
  const client = spawn('tmux', ['-L', t.socket, 'wait-for', `${PATTERN}_chan`], { env: t.env, stdio: 'ignore', detached: true });
  client.unref();
  clientPid = client.pid!;
  mine.push(clientPid);

  t.writeSpec(
    `${PATTERN}.yaml`,
    specDoc({
      // The monitor itself: its pane's command line carries the pattern, and it is inside a managed session.
      monitor: quickSession(['sh', '-c', 'sleep 100000; :', PATTERN], { orphans: { match: PATTERN }, stopTimeoutSeconds: 1 }),
    }),
  );
});

afterAll(async () => {
  await t.tmuxResult(['wait-for', '-S', `${PATTERN}_chan`]);
});

describe('orphans', () => {
  it('diff lists each orphan with its pid and command line, exit 1, and stops nothing', async () => {
    const orphan = await idler(`${PATTERN}-diff`);
    const bystander = await idler(`bystander-${TOKEN}`);
    const r = await t.tmuxctl(['diff', '-f', specFile()]);
    expect(r.exitCode, r.stderr).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toContain(`- kill-orphan monitor (pid ${orphan}: ${PATTERN}-diff)`);
    // Nothing else matched: not this diff, not the server or its client, not the session x.
    expect(lines.filter((l) => l.includes('kill-orphan'))).toHaveLength(1);
    const json = JSON.parse((await t.tmuxctl(['diff', '-f', specFile(), '-o', 'json'])).stdout);
    expect(json.actions).toContainEqual({
      action: 'kill-orphan',
      session: 'monitor',
      target: 'monitor',
      reason: `pid ${orphan}: ${PATTERN}-diff`,
      pid: orphan,
      command: `${PATTERN}-diff`,
      host: 'local',
    });
    expect(isProcessAlive(orphan)).toBe(true);
    expect(isProcessAlive(bystander)).toBe(true);
    process.kill(orphan, 'SIGKILL');
  });

  it('apply run by a start script named like the monitor stops the orphan, and the script survives', async () => {
    const orphan = await idler(`${PATTERN}-apply`);
    const bystander = await idler(`bystander-${TOKEN}`);
    const out = t.path('apply.out');
    const script = startScript(`start_${PATTERN}ing.sh`, ['apply', '-f', specFile()], out);
    const exit = await runScript(script);
    expect(exit, readIfExists(out)).toEqual({ code: 0, signal: null });
    const text = readIfExists(out)!;
    expect(text).toContain(`- kill-orphan monitor (pid ${orphan}: `);
    expect(text).toContain('exit 0');
    expect(isProcessAlive(orphan)).toBe(false);
    expect(isProcessAlive(bystander)).toBe(true);
    expect(isProcessAlive(serverPid)).toBe(true);
    expect(isProcessAlive(clientPid)).toBe(true);
    expect(await livePid(t, 'monitor')).toBeDefined();
    expect(await t.pane('x')).toMatchObject({ dead: false });
  });

  it('watch (run by a start script named like the monitor) stops orphans within 2 s, SIGKILLs a stubborn one, and spares everything else', async () => {
    const early = await idler(`${PATTERN}-early`);
    const bystander = await idler(`bystander-${TOKEN}`);
    let since = Date.now();
    // Nothing tells watch about a new process: the resync (a short one here) is what finds it.
    const w = await startWatch(t, { args: ['-f', specFile(), '--resync', '1'], viaScript: `start_${PATTERN}.sh` });
    const r0 = await timeUntil(since, () => !isProcessAlive(early), 'the orphan there at start stopped');
    expect(r0.ms).toBeLessThan(2000 + 1000); // includes watch's own start-up
    const monitor = await waitFor(() => livePid(t, 'monitor'), 5000, 'monitor running');

    const orphan = await idler(`${PATTERN}-late`);
    since = Date.now();
    const r = await timeUntil(since, () => !isProcessAlive(orphan), 'the late orphan stopped');
    expect(r.ms).toBeLessThan(1000 + 1000); // one resync, then its pass

    const stubborn = await idler(`${PATTERN}-stubborn`, true);
    since = Date.now();
    const r2 = await timeUntil(since, () => !isProcessAlive(stubborn), 'the stubborn orphan killed');
    expect(r2.ms).toBeGreaterThanOrEqual(1000); // SIGTERM ignored: SIGKILL after stopTimeoutSeconds (1)
    expect(r2.ms).toBeLessThan(1000 + 1000 + 1000); // a resync, its SIGTERM, 1 s, SIGKILL

    for (const [what, pid] of [
      ['watch', w.pid],
      ['its start script', w.scriptPid!],
      ['the tmux server', serverPid],
      ['a tmux client', clientPid],
      ['a bystander', bystander],
      ['the monitor', monitor],
    ] as const) {
      expect(isProcessAlive(pid), `${what} (pid ${pid}) alive`).toBe(true);
    }
    expect(await livePid(t, 'monitor')).toBe(monitor);
    expect(await t.pane('x')).toMatchObject({ dead: false });
    const stopped = eventsOf(t, 'kill-orphan', 'monitor').map((e) => e.reason);
    expect(stopped).toContainEqual(expect.stringMatching(new RegExp(`^pid ${orphan}: .*${PATTERN}-late$`)));
    expect(stopped).toContainEqual(expect.stringMatching(new RegExp(`^pid ${stubborn}: .*${PATTERN}-stubborn$`)));
    expect((await w.stop()).code).toBe(0);
  });

  it('a manual apply or diff while watch runs is no orphan of watch (nor watch of theirs)', async () => {
    const w = await startWatch(t, { args: ['-f', specFile(), '--resync', '0.2'], viaScript: `start_${PATTERN}.sh` });
    await waitFor(() => livePid(t, 'monitor'), 5000, 'monitor running');
    // Their command lines match (the spec file is named like the monitor); watch resyncs every 0.2 s.
    // (The scripts that run them are not named like the monitor here: a matching script is covered
    // only while its tmuxctl runs, and a watch pass may fall between its start and its exec.)
    for (let i = 0; i < 6; i++) {
      const out = t.path(`manual-${i}.out`);
      const cmd = i % 2 === 1 ? ['diff', '-f', specFile()] : ['apply', '-f', specFile()];
      const exit = await runScript(startScript(`manual_${i}.sh`, cmd, out));
      expect(exit, readIfExists(out)).toEqual({ code: 0, signal: null });
      expect(readIfExists(out)).toMatch(/^in sync: 1 session(, nothing to do)?\nexit 0\n$/);
    }
    expect(isProcessAlive(w.pid)).toBe(true);
    expect(isProcessAlive(w.scriptPid!)).toBe(true);
    expect((await w.stop()).code).toBe(0);
    expect(eventsOf(t, 'kill-orphan').filter((e) => String(e.reason).includes(cliPath))).toEqual([]);
  });
});
