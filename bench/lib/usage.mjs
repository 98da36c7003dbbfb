import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { sleep } from './proc.mjs';

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/**
 * utime+stime (own) and cutime+cstime (reaped children) in seconds, and VmRSS in bytes.
 * @returns {{ own: number, children: number, rss: number }}
 */
export function usage(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const own = (Number(f[11]) + Number(f[12])) / CLK_TCK;
  const children = (Number(f[13]) + Number(f[14])) / CLK_TCK;
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  return { own, children, rss };
}

/** The live children of a process, from /proc/PID/task/TID/children (no scan of /proc). */
export function childrenOf(pid) {
  const out = [];
  let tasks = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/)) if (c) out.push(Number(c));
    } catch {
      // task gone
    }
  }
  return out;
}

/**
 * CPU of a process and everything under it: its own time, its reaped children's, and every live
 * descendant's (own + reaped). A long-lived child (a `tmux -C` control client) counts while it runs,
 * which cutime alone would only show once it is reaped. When a child ends, its time moves from
 * "live" to its parent's cutime: the total stays continuous.
 * @returns {{ own: number, tree: number, rss: number, treeRss: number, descendants: number }}
 */
export function treeUsage(pid, { live = true } = {}) {
  const u = usage(pid);
  let tree = u.own + u.children;
  let treeRss = u.rss;
  let descendants = 0;
  const stack = live ? childrenOf(pid) : [];
  while (stack.length) {
    const c = stack.pop();
    try {
      const cu = usage(c);
      tree += cu.own + cu.children;
      treeRss += cu.rss;
      descendants += 1;
      stack.push(...childrenOf(c));
    } catch {
      // ended meanwhile: its time is in its parent's cutime at the next sample
    }
  }
  return { own: u.own, tree, rss: u.rss, treeRss, descendants };
}

/**
 * Samples several processes at once, every second for `seconds`: CPU (own, and with its whole
 * tree) as % of one core over the window, and RSS (own and tree: start, end, max). A process whose
 * live children are the supervised programs (pm2's daemon) is taken with `live: false`: its own time
 * and its reaped children's, not its apps'.
 * @param {Record<string, { pid: number, live?: boolean }>} pids name -> pid
 * @param {{ seconds: number, onSample?: (t: number, byName: Record<string, ReturnType<typeof treeUsage>>) => void }} options
 */
export async function sampleTogether(pids, { seconds, onSample }) {
  const names = Object.keys(pids);
  const take = () => Object.fromEntries(names.map((n) => [n, treeUsage(pids[n].pid, { live: pids[n].live ?? true })]));
  const samples = [];
  const t0 = performance.now();
  samples.push({ t: 0, u: take() });
  while (performance.now() - t0 < seconds * 1000) {
    await sleep(1000);
    const s = { t: (performance.now() - t0) / 1000, u: take() };
    samples.push(s);
    onSample?.(s.t, s.u);
  }
  const first = samples[0];
  const last = samples.at(-1);
  return Object.fromEntries(
    names.map((n) => {
      const a = first.u[n];
      const b = last.u[n];
      return [
        n,
        {
          seconds: last.t,
          cpuPercent: ((b.own - a.own) / last.t) * 100,
          treeCpuPercent: ((b.tree - a.tree) / last.t) * 100,
          rssStart: a.rss,
          rssEnd: b.rss,
          rssMax: Math.max(...samples.map((s) => s.u[n].rss)),
          treeRssMax: Math.max(...samples.map((s) => s.u[n].treeRss)),
          descendantsMax: Math.max(...samples.map((s) => s.u[n].descendants)),
        },
      ];
    }),
  );
}
