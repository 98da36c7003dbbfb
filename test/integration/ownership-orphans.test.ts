import { execFileSync, spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import {
  allCmdlines,
  cliPath,
  createTmuxServer,
  destroyTmuxServer,
  isProcessAlive,
  killOwned,
  LONG_RUNNING,
  quickSession,
  readIfExists,
  specDoc,
  useTmuxServer,
  waitFor,
} from '../helpers/tmux.js';
import { shQuote } from '../helpers/watch.js';

const t = useTmuxServer();
/** A second tmux server, as `-L b` next to `-L a`. */
const u = createTmuxServer();
afterAll(() => destroyTmuxServer(u));

const TOKEN = Math.random().toString(36).slice(2, 8);
/** PIDs this file started (or found carrying its token); killed in teardown if still alive and still ours. */
const mine: number[] = [];
afterAll(() => killOwned([...mine, ...withToken()], TOKEN));

function withToken(): number[] {
  return allCmdlines()
    .filter((p) => p.argv.join(' ').includes(TOKEN))
    .map((p) => p.pid);
}

/** A detached node process whose command line becomes exactly `tag` once it runs (nothing matches before). */
async function idler(tag: string): Promise<number> {
  const code = `process.title=process.env.IDLER_TAG;setInterval(()=>{},1e9);process.stdout.write('ready')`;
  const child = spawn(process.execPath, ['-e', code], { detached: true, stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, IDLER_TAG: tag } });
  mine.push(child.pid!);
  await new Promise<void>((resolve) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', () => resolve());
  });
  child.stdout!.destroy();
  child.unref();
  return child.pid!;
}

function pidsMatching(text: string): number[] {
  return allCmdlines()
    .filter((p) => p.argv.join(' ').includes(text))
    .map((p) => p.pid);
}

describe('orphans across tmux servers', () => {
  const PATTERN = `orph_srv_${TOKEN}`;

  it("two servers applying one spec never stop each other's monitor; one left behind by a dead session is still an orphan", async () => {
    const file = t.writeSpec('servers/mon.yaml', specDoc({ mon: quickSession(['sh', '-c', 'sleep 100000; :', PATTERN], { orphans: { match: PATTERN } }) }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const onA = (await t.pane('mon'))!.pid;
    const b = await u.tmuxctl(['apply', '-f', file]);
    expect(b.exitCode).toBe(0);
    expect(b.stdout).not.toContain('kill-orphan');
    const onB = (await u.pane('mon'))!.pid;
    const a = await t.tmuxctl(['apply', '-f', file]);
    expect(a.stdout).not.toContain('kill-orphan');
    expect(isProcessAlive(onA)).toBe(true);
    expect(isProcessAlive(onB)).toBe(true);

    // A session whose command leaves a helper in a process session of its own; the session is
    // then killed by hand: the helper keeps tmuxctl's marker but is inside no pane any more.
    const pidFile = t.path('left.pid');
    const left = t.writeSpec(
      'servers-left/left.yaml',
      specDoc({ leaver: quickSession(`setsid sh -c 'sleep 100005; :' ${PATTERN}_left & echo $! > ${shQuote(pidFile)}; exec sleep 100000`) }),
    );
    expect((await t.tmuxctl(['apply', '-f', left])).exitCode).toBe(0);
    const helper = Number(await waitFor(() => readIfExists(pidFile)?.trim(), 5000, 'helper pid'));
    mine.push(helper);
    expect((await t.tmuxctl(['diff', '-f', file])).stdout).not.toContain('kill-orphan'); // inside leaver's pane tree
    await t.tmux('kill-session', '-t', '=leaver');

    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.stdout).toContain(`- kill-orphan mon (pid ${helper}: sh -c sleep 100005; : ${PATTERN}_left)`);
    expect(r.stdout.match(/kill-orphan/g)).toHaveLength(1);
    expect(isProcessAlive(helper)).toBe(false);
    expect(isProcessAlive(onA)).toBe(true);
    expect(isProcessAlive(onB)).toBe(true);
  });
});

describe("orphan candidates leave tmuxctl's machinery and the user's tools alone", () => {
  const PATTERN = `orph_tool_${TOKEN}`;

  it("tmux jobs (pipe-pane, run-shell), a tail -f of a log named like it, a grep of it, and watch's pipeline are spared; the real orphan is stopped", async () => {
    const file = t.writeSpec('tools/mon.yaml', specDoc({ tooled: quickSession(LONG_RUNNING, { orphans: { match: PATTERN } }) }));
    await t.tmux('new-session', '-d', '-s', 'plain', 'sleep 100000');
    // tmux's own children: a pipe-pane writer and a run-shell job whose command lines carry the pattern.
    await t.tmux('pipe-pane', '-t', '=plain:', `exec sh -c 'cat > /dev/null; :' ${PATTERN}_pipe`);
    // One long-lived process whose argv keeps the token (a sh would exec a plain sleep, which teardown could not tell as ours).
    await t.tmux('run-shell', '-b', `exec ${shQuote(process.execPath)} -e 'setInterval(()=>{},1e9)' ${PATTERN}_job`);
    // A viewer of a log file named like the monitor, and a search for the pattern.
    const log = t.writeFile(`${PATTERN}.log`, 'x\n');
    const tail = spawn('tail', ['-f', log], { detached: true, stdio: 'ignore' });
    const grep = spawn('grep', [PATTERN], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    // A shell loop around a search for it, and an editor of its source (known by its program: a copy of
    // sleep named nano, whose argv names the monitor's file as an editor's would).
    const loop = spawn('sh', ['-c', `while sleep 1; do pgrep -f ${PATTERN} >/dev/null; done`], { detached: true, stdio: 'ignore' });
    const nano = t.path('bin-editor', 'nano');
    execFileSync('sh', ['-c', `mkdir -p ${shQuote(t.path('bin-editor'))} && cp "$(command -v sleep)" ${shQuote(nano)}`]);
    const editor = spawn('bash', ['-c', `exec -a ${shQuote(`nano ${PATTERN}.py`)} ${shQuote(nano)} 100000`], { detached: true, stdio: 'ignore' });
    mine.push(tail.pid!, grep.pid!, loop.pid!, editor.pid!);
    await waitFor(() => pidsMatching(`nano ${PATTERN}.py`).length > 0, 5000, 'the editor running');
    const real = await idler(`${PATTERN}_real`);
    await waitFor(() => pidsMatching(`${PATTERN}_pipe`).length > 0 && pidsMatching(`${PATTERN}_job`).length > 0, 5000, 'tmux jobs running');
    const spared = [...pidsMatching(`${PATTERN}_pipe`), ...pidsMatching(`${PATTERN}_job`), tail.pid!, grep.pid!, loop.pid!, editor.pid!];

    const diff = await t.tmuxctl(['diff', '-f', file]);
    expect(diff.stdout.split('\n').filter((l) => l.includes('kill-orphan'))).toEqual([`- kill-orphan tooled (pid ${real}: ${PATTERN}_real)`]);
    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.stdout).toContain(`- kill-orphan tooled (pid ${real}: ${PATTERN}_real)`);
    expect(r.stdout.match(/kill-orphan/g)).toHaveLength(1);
    expect(isProcessAlive(real)).toBe(false);
    expect(spared.filter((pid) => !isProcessAlive(pid))).toEqual([]);

    // `tmuxctl watch | logger`: the reader of watch's output carries the pattern; neither watch's
    // passes nor a manual apply meanwhile stop it.
    const reader = `process.title=process.env.READER_TAG;process.stdin.resume();process.stdin.on('end',()=>process.exit(0))`;
    const watchCmd = [process.execPath, cliPath, '-L', t.socket, 'watch', '-f', file].map(shQuote).join(' ');
    const pipeline = spawn('sh', ['-c', `${watchCmd} 2>&1 | ${shQuote(process.execPath)} -e ${shQuote(reader)}`], {
      detached: true,
      stdio: 'ignore',
      cwd: t.root,
      env: { ...t.env, READER_TAG: `${PATTERN}_logger` },
    });
    mine.push(pipeline.pid!);
    const logger = await waitFor(() => pidsMatching(`${PATTERN}_logger`)[0], 5000, 'the pipeline reader');
    const watchPid = await waitFor(
      () => allCmdlines().find((p) => p.argv[1] === cliPath && p.argv.includes('watch') && p.argv.includes(file))?.pid,
      5000,
      'watch',
    );
    mine.push(logger, watchPid);
    // Watch's first pass has run once it installed its hook; then a manual apply.
    await waitFor(async () => (await t.tmuxResult(['show-hooks', '-g', 'session-closed'])).stdout.includes('tmuxctl'), 10_000, 'watch passed');
    const manual = await t.tmuxctl(['apply', '-f', file]);
    expect(manual.stdout).not.toContain('kill-orphan');
    expect(isProcessAlive(logger)).toBe(true);
    process.kill(watchPid, 'SIGTERM');
    await waitFor(() => !isProcessAlive(logger), 5000, 'the reader ends with watch');
  });
});

describe('orphans.match breadth', () => {
  const PATTERN = `orph_broad_${TOKEN}`;

  it('a pattern that matches more than orphans.maxMatches (default 5) processes is refused with the count; raised, it applies', async () => {
    const idlers = await Promise.all(Array.from({ length: 7 }, (_, i) => idler(`${PATTERN}_${i}`)));
    const file = t.writeSpec('broad/mon.yaml', specDoc({ broad: quickSession(LONG_RUNNING, { orphans: { match: PATTERN } }) }));
    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toContain(`! conflict broad (orphans.match "${PATTERN}" matches 7 processes, more than orphans.maxMatches (5): none stopped)`);
    expect(idlers.filter((pid) => !isProcessAlive(pid))).toEqual([]);

    t.writeSpec('broad/mon.yaml', specDoc({ broad: quickSession(LONG_RUNNING, { orphans: { match: PATTERN, maxMatches: 7 } }) }));
    const allowed = await t.tmuxctl(['apply', '-f', file]);
    expect(allowed.exitCode).toBe(0);
    expect(allowed.stdout.match(/kill-orphan/g)).toHaveLength(7);
    expect(idlers.filter(isProcessAlive)).toEqual([]);
  });
});
