import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, watch as fsWatch } from 'node:fs';
import path from 'node:path';

/**
 * The fixture every supervised process runs, in both tmuxctl and pm2: bash appends "PID START" to a
 * file named after the pane, START being bash's $EPOCHREALTIME (no fork, microseconds), then execs
 * sleep in place, so PID is the supervised process. A replacement is "running" when its line is
 * there; its latency is measured on one clock (bash's), from the `kill -9` to that line.
 */
export const FIXTURE = 'echo "$$ $EPOCHREALTIME" >> "$0"; exec sleep 1000000';

/** The fixture's argv for one start file. */
export const fixtureArgv = (bash, file) => [bash, '-c', FIXTURE, file];

/**
 * Every start line of a fixture's file, oldest first.
 * @returns {{ pid: number, at: number }[]} at: ms on bash's clock
 */
export function starts(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [pid, at] = l.split(' ');
      return { pid: Number(pid), at: Number(at) * 1000 };
    });
}

/** Resolves with the (count+1)-th start line of `file`, woken by inotify on its folder (polls as a fallback); undefined after timeoutMs. */
export function nextStart(file, count, timeoutMs) {
  return new Promise((resolve) => {
    let done = false;
    const finish = (v) => {
      if (done) return;
      done = true;
      watcher.close();
      clearInterval(poll);
      clearTimeout(timer);
      resolve(v);
    };
    const check = () => {
      const s = starts(file);
      if (s.length > count) finish(s[count]);
    };
    const watcher = fsWatch(path.dirname(file), check);
    const poll = setInterval(check, 100);
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    check();
  });
}

/**
 * Resolves when every file has more start lines than its count in `counts` (a Map file -> count),
 * with the start line each got (undefined for a file that got none within timeoutMs).
 * @param {Map<string, number>} counts
 * @returns {Promise<Map<string, { pid: number, at: number } | undefined>>}
 */
export function nextStarts(dir, counts, timeoutMs) {
  return new Promise((resolve) => {
    const got = new Map();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      watcher.close();
      clearInterval(poll);
      clearTimeout(timer);
      for (const f of counts.keys()) if (!got.has(f)) got.set(f, undefined);
      resolve(got);
    };
    const check = () => {
      for (const [f, n] of counts) {
        if (got.has(f)) continue;
        const s = starts(f);
        if (s.length > n) got.set(f, s[n]);
      }
      if (got.size === counts.size) finish();
    };
    const watcher = fsWatch(dir, check);
    const poll = setInterval(check, 100);
    const timer = setTimeout(finish, timeoutMs);
    check();
  });
}

/** `kill -9 PID...` from bash, one `kill` of every pid, returning the kill time on bash's clock (the one the fixture writes). */
export function killNine(bash, ...pids) {
  const r = spawnSync(bash, ['-c', 'echo $EPOCHREALTIME; kill -9 "$@" 2>/dev/null; true', '_', ...pids.map(String)], { encoding: 'utf8', timeout: 10_000 });
  return Number(r.stdout.trim()) * 1000;
}

/** Copies `from` over `to` in place (truncate and write, as an editor saving in place), returning when it was written, on bash's clock. */
export function saveOver(bash, from, to) {
  const r = spawnSync(bash, ['-c', 'cat "$1" > "$2"; echo $EPOCHREALTIME', '_', from, to], { encoding: 'utf8', timeout: 10_000 });
  return Number(r.stdout.trim()) * 1000;
}

/** bash's clock now, in ms (the fixture's and killNine's clock). */
export function bashNow(bash) {
  return Number(spawnSync(bash, ['-c', 'echo $EPOCHREALTIME'], { encoding: 'utf8', timeout: 10_000 }).stdout.trim()) * 1000;
}
