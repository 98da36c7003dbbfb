import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A CPU share of its own for each fake host of the hosts section: one cgroup per host with a CPU
 * quota (cgroup v1: cpu.cfs_quota_us / cpu.cfs_period_us; cgroup v2: cpu.max). Separate machines do
 * not share CPUs; three fake hosts on this machine's cores do, so "3 hosts at once" against "one host
 * alone" measures this machine's contention as much as the thing measured. The host's sshd is put
 * in the group as soon as it is spawned, so everything it starts (the logins, the host's tmux server,
 * its panes) inherits it. A quota is a ceiling, the same whether the host runs alone or with the
 * others; it is not a reservation (whatever else runs on this machine still competes).
 *
 * The quota can be switched off and on between runs (`set(undefined)` / `set(cpus)`): the
 * processes stay where they are, only the ceiling changes.
 */

/**
 * @typedef {object} CpuController
 * @property {'cgroup v1' | 'cgroup v2'} kind
 * @property {string} root the folder the groups are made in (the controller's mount)
 */

/**
 * The writable cpu controller of this machine, or why there is none (then no caps: the section
 * measures uncapped only and says so).
 * @returns {CpuController | { skipped: string }}
 */
export function cpuController() {
  if (process.getuid?.() !== 0) return { skipped: 'not root' };
  let mounts;
  try {
    mounts = readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' '));
  } catch {
    return { skipped: 'no /proc/self/mounts' };
  }
  const v1 = mounts.find(([, , type, opts]) => type === 'cgroup' && opts.split(',').includes('cpu'));
  if (v1 && existsSync(path.join(v1[1], 'cpu.cfs_quota_us'))) return writable({ kind: 'cgroup v1', root: v1[1] });
  const v2 = mounts.find(([, , type]) => type === 'cgroup2');
  if (v2) {
    const root = v2[1];
    const has = (file) => {
      try {
        return readFileSync(path.join(root, file), 'utf8').split(/\s+/).includes('cpu');
      } catch {
        return false;
      }
    };
    if (!has('cgroup.controllers')) return { skipped: `no cpu controller in the cgroup v2 hierarchy at ${root}` };
    // Enabling it there would change the machine's settings for everything else, and outlive the run.
    if (!has('cgroup.subtree_control'))
      return { skipped: `the cpu controller is not enabled for the children of ${root} (echo +cpu > ${path.join(root, 'cgroup.subtree_control')})` };
    return writable({ kind: 'cgroup v2', root });
  }
  return { skipped: 'no cgroup cpu controller mounted' };
}

/** The controller if a group can be made in it (made and removed at once), why not otherwise. */
function writable(c) {
  const probe = path.join(c.root, `tmuxctl-bench-probe-${process.pid}`);
  try {
    mkdirSync(probe);
    rmdirSync(probe);
    return c;
  } catch (e) {
    return { skipped: `${c.kind} cpu controller at ${c.root} is not writable (${errorCode(e)})` };
  }
}

/**
 * @typedef {object} CpuGroup
 * @property {string} dir the group's folder
 * @property {string} procs its cgroup.procs (write a pid to move that process in)
 * @property {string} rel its path as /proc/PID/cgroup shows it
 * @property {(pid: number) => void} add moves a process (all its threads) into the group
 * @property {(cpus: number | undefined, periodUs: number) => void} set a quota of `cpus` cores per period, or none
 * @property {() => number} throttledMs the time the group spent throttled so far, in ms
 * @property {(pid: number) => boolean} holds whether /proc/PID/cgroup puts the process in this group
 * @property {() => number[]} pids the processes in the group now
 * @property {() => boolean} remove rmdir, once the processes are gone (retried for a few seconds; false if it is still there)
 */

/**
 * Makes the group `tmuxctl-bench-<name>` under the controller, with no quota yet.
 * @param {CpuController} c
 * @param {string} name
 * @returns {CpuGroup}
 */
export function makeCpuGroup(c, name) {
  const dir = path.join(c.root, `tmuxctl-bench-${name}`);
  mkdirSync(dir);
  const file = (f) => path.join(dir, f);
  const rel = `/tmuxctl-bench-${name}`;
  const v1 = c.kind === 'cgroup v1';
  /** @type {CpuGroup} */
  const g = {
    dir,
    procs: file('cgroup.procs'),
    rel,
    add: (pid) => writeFileSync(file('cgroup.procs'), String(pid)),
    set: (cpus, periodUs) => {
      const quota = cpus === undefined ? undefined : Math.round(cpus * periodUs);
      if (v1) {
        // Lifted first, then the period, then the quota: every step is valid whatever the values were.
        writeFileSync(file('cpu.cfs_quota_us'), '-1');
        writeFileSync(file('cpu.cfs_period_us'), String(periodUs));
        if (quota !== undefined) writeFileSync(file('cpu.cfs_quota_us'), String(quota));
      } else writeFileSync(file('cpu.max'), `${quota ?? 'max'} ${periodUs}`);
    },
    throttledMs: () => {
      const stat = readFileSync(file('cpu.stat'), 'utf8');
      if (v1) return Number(/^throttled_time (\d+)/m.exec(stat)?.[1] ?? 0) / 1e6;
      return Number(/^throttled_usec (\d+)/m.exec(stat)?.[1] ?? 0) / 1e3;
    },
    holds: (pid) => {
      try {
        const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
        return lines.some((l) => {
          const [, controllers, p] = /^\d+:([^:]*):(.*)$/.exec(l) ?? [];
          return p === rel && (v1 ? controllers.split(',').includes('cpu') : controllers === '');
        });
      } catch {
        return true; // gone meanwhile: nothing left outside
      }
    },
    pids: () => {
      try {
        return readFileSync(file('cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
      } catch {
        return [];
      }
    },
    remove: () => {
      for (let i = 0; i < 250; i++) {
        try {
          rmdirSync(dir);
          return true;
        } catch (e) {
          if (errorCode(e) === 'ENOENT') return true;
          if (errorCode(e) !== 'EBUSY') return false;
          // Processes still in it (exiting): the caller killed them; what is left is only ours, since the group is.
          for (const pid of g.pids()) {
            try {
              process.kill(pid, 'SIGKILL');
            } catch {
              // gone meanwhile
            }
          }
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
        }
      }
      return false;
    },
  };
  return g;
}

/** @param {unknown} e */
const errorCode = (e) => /** @type {NodeJS.ErrnoException} */ (e)?.code ?? String(e);
