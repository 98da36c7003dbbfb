import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandResult, parseTreeRss, remoteChecks, type TimedShell } from '../../src/host/remote-checks.js';
import { localProcs } from '../../src/host/local-procs.js';
import { parseProcView, VIEW_SCRIPT } from '../../src/host/remote-proc-view.js';
import { localProcView } from '../../src/process/local-proc-view.js';
import { localSh } from '../helpers/local-sh.js';
import { allCmdlines, killOwned, waitFor } from '../helpers/tmux.js';

/** The scripts run by a local `sh -s`: what a host does with them, minus ssh. */
const localShell: TimedShell = (script) => localSh(script);
const checks = remoteChecks(localShell, 10_000);

const TOKEN = Math.random().toString(36).slice(2, 8);
const dir = mkdtempSync(path.join(tmpdir(), 'tmuxctl-remote-checks-'));
const mine: number[] = [];
afterAll(() => {
  killOwned(mine, TOKEN);
  rmSync(dir, { recursive: true, force: true });
});

const run = (argv: string[], extra: { env?: Record<string, string>; timeoutMs?: number; cwd?: string } = {}) =>
  checks.command({ argv, cwd: extra.cwd ?? dir, env: extra.env ?? {}, base: {}, timeoutMs: extra.timeoutMs ?? 5000 });

function withToken(text: string): number[] {
  return allCmdlines()
    .filter((p) => p.argv.join(' ').includes(text))
    .map((p) => p.pid);
}

describe('health checks on a host, through shell scripts', () => {
  it("runs in the pane's cwd with its env, which no argv carries; the exit status is the verdict", async () => {
    const secret = `s3cr3t '"$ ${TOKEN}`;
    const seen = new Set<string>();
    const sample = setInterval(() => {
      for (const p of allCmdlines()) seen.add(p.argv.join(' '));
    }, 20);
    const r = await run(['sh', '-c', 'pwd > out; printf %s "$CHECK_SECRET" >> out; sleep 0.3; exit 7'], { env: { CHECK_SECRET: secret } });
    clearInterval(sample);
    expect(r).toEqual({ ok: false, detail: 'exit status 7' });
    expect(readFileSync(path.join(dir, 'out'), 'utf8')).toBe(`${dir}\n${secret}`);
    expect([...seen].filter((a) => a.includes(TOKEN))).toEqual([]);
    expect(await run(['true'])).toEqual({ ok: true, detail: 'exit status 0' });
    expect(await run(['true'], { cwd: path.join(dir, 'missing') })).toEqual({ ok: false, detail: `cannot run: cannot enter ${path.join(dir, 'missing')}` });
  });

  it('kills a check that hangs, and what a check leaves behind, with its whole group', async () => {
    const hang = await run(['sh', '-c', `sleep 100051 & sleep 100052; : ${TOKEN}`], { timeoutMs: 500 });
    expect(hang).toEqual({ ok: false, detail: 'timed out after 0.5s' });
    const left = await run(['sh', '-c', `sleep 100053 & exit 0; : ${TOKEN}`]);
    expect(left.ok).toBe(true);
    await waitFor(() => ['sleep 100051', 'sleep 100052', 'sleep 100053'].every((s) => withToken(s).length === 0), 5000, 'nothing left');
  });

  it('reads a log’s silence by the host’s clock, and a tree’s RSS from one look', async () => {
    const file = path.join(dir, 'log');
    expect(await checks.silentFor(file)).toBeUndefined();
    writeFileSync(file, 'x');
    expect(await checks.silentFor(file)).toBeLessThanOrEqual(2000);
    const rss = await checks.treeRss([process.pid]);
    expect(rss.get(process.pid)).toBeGreaterThan(10 * 1024 * 1024);
  });

  it('tells a timeout from a check killed by a signal; pure parts', () => {
    expect(commandResult('tmuxctl-check 137\n', '/x', 1000, 1200)).toEqual({ ok: false, detail: 'timed out after 1s' });
    expect(commandResult('tmuxctl-check 137\n', '/x', 1000, 200)).toEqual({ ok: false, detail: 'killed by SIGKILL' });
    expect(commandResult('', '/x', 1000, 200)).toEqual({ ok: false, detail: 'no result came back from the host' });
    const stat = (pid: number, ppid: number, rssPages: number) =>
      `${pid} (x y) S ${ppid} ${pid} ${pid} 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 ${pid * 10} 1000 ${rssPages} 0`;
    expect(parseTreeRss(['4096', stat(10, 1, 100), stat(11, 10, 50), stat(12, 1, 7)].join('\n'), [10, 99])).toEqual(
      new Map([
        [10, 150 * 4096],
        [99, 0],
      ]),
    );
  });
});

describe("a host's processes for orphans.match, in one script", () => {
  it('sees what this machine’s /proc shows: argv, program, owner, pipes, the session marker, open data files', async () => {
    const data = path.join(dir, `data-${TOKEN}.log`);
    writeFileSync(data, 'x');
    const child = spawn('sh', ['-c', `exec 3<"$0"; sleep 100061`, data], {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, TMUXCTL_SESSION: `mon-${TOKEN}` },
      cwd: dir,
    });
    mine.push(child.pid!);
    try {
      await waitFor(() => localProcs.read([child.pid!]).then((m) => m.get(child.pid!)?.state === 'S'), 5000, 'child sleeping');
      const view = parseProcView(await localShell(VIEW_SCRIPT, 10_000));
      const here = localProcView(process.pid, process.argv[1]);
      const pid = child.pid!;
      for (const ask of ['argv', 'exeName', 'isOurs', 'isTmux', 'stdioPipes'] as const) expect([ask, view[ask](pid)]).toEqual([ask, here[ask](pid)]);
      expect(view.envVar(pid, 'TMUXCTL_SESSION')).toBe(`mon-${TOKEN}`);
      const argv = view.argv(pid);
      expect(view.matchArgv(pid, argv)).toEqual(here.matchArgv(pid, argv));
      expect(view.matchArgv(pid, argv)).not.toContain(data);
      expect(view.procs.some((p) => p.pid === pid)).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
