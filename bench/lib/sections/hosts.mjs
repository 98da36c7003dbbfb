import { spawn } from 'node:child_process';
import { chmodSync, createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { FIXTURE, killNine, nextStart, starts } from '../crash-fixture.mjs';
import { cliPath } from '../env.mjs';
import { names, SLEEP_ARGV } from '../fixtures.mjs';
import { sleep, timed, waitFor } from '../proc.mjs';
import { closeMasters, createSshHosts, sshOptions } from '../ssh-hosts.mjs';
import { formatMs, formatRatio, median } from '../stats.mjs';
import { summarise } from './watch.mjs';

/**
 * Section 10 (issue 13): sessions on several hosts over OpenSSH. Three throw-away accounts on this
 * machine, each with its own sshd on 127.0.0.1 (bench/lib/ssh-hosts.mjs), stand in for three hosts:
 * real ssh, real key exchange, real sshd, no network latency (a round trip is the cost of ssh and
 * sshd themselves, ~ms). Everything is measured side by side in one run:
 *  1. cold apply of 3 hosts × 50 sessions, against the same 50 sessions applied to each host alone,
 *     the local cold apply of 50, and one raw `ssh HOST tmux -L S start-server \; source-file -`
 *     batch creating them (a new ssh connection each, as a person would type it). Cold: a fresh tmux
 *     server on every host and a fresh state dir here, so no ssh master connection either. Every
 *     host method twice, side by side: with each host capped at `cfg.hostCpu` of a core (a cgroup
 *     per host, bench/lib/cpu-cap.mjs: separate machines do not share CPUs, three fake hosts on
 *     this machine's cores do; the issue's row), and uncapped (this machine's own contention);
 *  2. no-op apply of the 150 sessions with the masters up, against the local no-op apply of 150
 *     sessions, and the round trip `ssh HOST true` over the master;
 *  3. crash repair under one `watch` of sessions here and on a host, kill -9 in turn.
 * Parts 2 and 3 run uncapped, as they always did.
 * @param {import('../env.mjs').BenchEnv} env
 * @param {import('../env.mjs').Tools} tools
 */
export async function hostsSection(env, tools, cfg) {
  if (process.getuid?.() !== 0) return { skipped: 'needs root (it makes throw-away accounts and sshd instances)' };
  if (!tools.bash) return { skipped: 'bash with $EPOCHREALTIME (bash 5) is needed for the crash fixture' };
  const hostNames = ['h1', 'h2', 'h3'];
  const ssh = await createSshHosts(env, hostNames, { cpuCap: cfg.hostCpu > 0 });
  const caps = ssh.caps;
  const capped = !caps.skipped;
  const cores = availableParallelism();
  /** How the capped rows were capped, or why there are none. */
  const cap = capped
    ? { cpus: cfg.hostCpu, periodUs: cfg.hostCpuPeriodUs, quotaUs: Math.round(cfg.hostCpu * cfg.hostCpuPeriodUs), kind: caps.kind, cores }
    : { skipped: cfg.hostCpu > 0 ? caps.skipped : 'BENCH_HOST_CPU=off', cores };
  const setCap = (on) => {
    if (capped) caps.set(on ? cfg.hostCpu : undefined, cfg.hostCpuPeriodUs);
  };
  setCap(false);
  const throttled = () => (capped ? caps.throttledMs() : 0);
  /** The last check that every process of each host was in its group, by mode. */
  const cgroupCheck = {};
  const checkGroups = (mode) => {
    if (!capped) return;
    const c = caps.check();
    const outside = Object.entries(c).filter(([, v]) => v.outside.length);
    if (outside.length) throw new Error(`host processes outside their cgroup: ${outside.map(([h, v]) => `${h}: ${v.outside.join(', ')}`).join('; ')}`);
    cgroupCheck[mode] = c;
  };
  const tenv = { ...env.env, TMUXCTL_SSH_CONFIG: ssh.configFile };
  const dir = env.dir('h');
  const n = cfg.hostSessions;
  const hostsYaml = (list) => ['hosts:', ...list.map((h) => `  ${h}: {ssh: ${h}}`)];
  const sessionYaml = (name, cmd, extra = []) => [
    `  ${name}:`,
    `    command: [${cmd.map((w) => JSON.stringify(w)).join(', ')}]`,
    '    startSeconds: 0',
    ...extra.map((l) => `    ${l}`),
  ];
  const spec = (file, hosts, sessionNames, where) =>
    writeSpec(file, [...(hosts.length ? hostsYaml(hosts) : []), 'sessions:', ...sessionNames.flatMap((s) => sessionYaml(s, SLEEP_ARGV, where ? [where] : []))]);
  const spec3 = spec(path.join(dir, 'all3.yaml'), hostNames, names(n), `hosts: [${hostNames.join(', ')}]`);
  const specAlone = Object.fromEntries(hostNames.map((h) => [h, spec(path.join(dir, `alone-${h}.yaml`), [h], names(n), `host: ${h}`)]));
  const specLocal = spec(path.join(dir, 'local.yaml'), [], names(n));
  const specLocal3 = spec(path.join(dir, 'local3.yaml'), [], names(n * hostNames.length));

  let stateCounter = 0;
  const freshState = () => env.dir('h', `s${++stateCounter}`);
  const tmuxctl = (socket, state, args, opts = {}) => timed(process.execPath, [cliPath, '-L', socket, '--state-dir', state, ...args], { env: tenv, ...opts });
  const sessionsOn = (host, socket) => {
    const r = ssh.host(host).run(`tmux -L ${socket} list-sessions -F '#{session_name}' 2>/dev/null`);
    return r.code === 0 ? r.stdout.split('\n').filter(Boolean).length : 0;
  };
  const expectOn = (hosts, socket, want, who) => {
    for (const h of hosts) {
      const got = sessionsOn(h, socket);
      if (got !== want) throw new Error(`${who}: expected ${want} sessions on ${h}, found ${got}`);
    }
  };
  /** Kills a host's server on `socket` (as its account) and waits until it no longer answers. */
  const killRemote = async (hosts, socket) => {
    for (const h of hosts) {
      ssh.host(h).run(`tmux -L ${socket} kill-server 2>/dev/null; true`);
      await waitFor(
        () =>
          ssh
            .host(h)
            .run(`tmux -L ${socket} list-sessions 2>&1`)
            .stdout.match(/no server running|error connecting/),
        {
          what: `${h}: tmux server ${socket} gone`,
          timeoutMs: 20_000,
        },
      );
    }
  };

  // 1. cold
  cfg.progress(`  hosts: ${hostNames.map((h) => `${h} = ${ssh.host(h).user}@127.0.0.1:${ssh.host(h).port}`).join(', ')}`);
  cfg.progress(
    capped
      ? `  cold, capped rows: each host in ${caps.kind} group ${ssh.hosts.map((h) => h.cgroup).join(', ')}, ${cap.quotaUs} µs per ${cap.periodUs} µs (${cap.cpus} core)`
      : `  cold: uncapped only (${cap.skipped})`,
  );
  const hostMethods = () => ({
    all3: { label: `\`tmuxctl apply\`, 3 hosts × ${n} sessions`, runs: [] },
    ...Object.fromEntries(hostNames.map((h) => [`alone-${h}`, { label: `\`tmuxctl apply\`, ${h} alone, ${n} sessions`, runs: [] }])),
    ...Object.fromEntries(hostNames.map((h) => [`raw-${h}`, { label: `raw \`ssh ${h} tmux source-file -\`, ${n} sessions (new connection)`, runs: [] }])),
    raw3: { label: `raw \`ssh HOST tmux source-file -\` to the 3 hosts at once, ${n} sessions each (new connections)`, runs: [] },
  });
  const cold = { ...hostMethods(), local: { label: `\`tmuxctl apply\`, this machine, ${n} sessions`, runs: [] } };
  /** The same host methods, each host capped; with the time the hosts' groups spent throttled in each run. */
  const coldCapped = capped ? Object.fromEntries(Object.entries(hostMethods()).map(([id, m]) => [id, { ...m, throttledMs: [] }])) : undefined;
  const rawBatch = `${names(n)
    .map((s) => `new-session -d -s ${s} ${SLEEP_ARGV.join(' ')}`)
    .join('\n')}\n`;
  const rawSsh = (h, socket) =>
    timed('ssh', ['-F', ssh.configFile, '-o', 'BatchMode=yes', '-T', h, '--', `tmux -L ${socket} start-server ';' source-file -`], { input: rawBatch });
  // Each returns its wall time and how long the hosts' groups were throttled meanwhile (0 uncapped).
  const coldRun = {
    all3: async (mode) => {
      const socket = env.newSocket('h3');
      const state = freshState();
      const th = throttled();
      const r = await tmuxctl(socket, state, ['apply', '-f', spec3]);
      const throttledMs = throttled() - th;
      expectOn(hostNames, socket, n, 'apply over 3 hosts');
      checkGroups(mode); // the 3 tmux servers, their panes, the logins: all in their hosts' groups
      closeMasters(ssh.configFile, state, hostNames);
      await killRemote(hostNames, socket);
      return { ms: r.ms, throttledMs };
    },
    ...Object.fromEntries(
      hostNames.map((h) => [
        `alone-${h}`,
        async () => {
          const socket = env.newSocket('h1');
          const state = freshState();
          const th = throttled();
          const r = await tmuxctl(socket, state, ['apply', '-f', specAlone[h]]);
          const throttledMs = throttled() - th;
          expectOn([h], socket, n, `apply on ${h} alone`);
          closeMasters(ssh.configFile, state, [h]);
          await killRemote([h], socket);
          return { ms: r.ms, throttledMs };
        },
      ]),
    ),
    ...Object.fromEntries(
      hostNames.map((h) => [
        `raw-${h}`,
        async () => {
          const socket = env.newSocket('hraw');
          const th = throttled();
          const r = await rawSsh(h, socket);
          const throttledMs = throttled() - th;
          expectOn([h], socket, n, `raw batch on ${h}`);
          await killRemote([h], socket);
          return { ms: r.ms, throttledMs };
        },
      ]),
    ),
    // Raw batches to the 3 hosts at once: uncapped, this machine's own contention (three hosts here
    // share its cores, real hosts would not); capped, the floor of the issue's row.
    raw3: async () => {
      const socket = env.newSocket('hraw3');
      const th = throttled();
      const t0 = performance.now();
      await Promise.all(hostNames.map((h) => rawSsh(h, socket)));
      const ms = performance.now() - t0;
      const throttledMs = throttled() - th;
      expectOn(hostNames, socket, n, 'raw batches on 3 hosts');
      await killRemote(hostNames, socket);
      return { ms, throttledMs };
    },
    local: async () => {
      const socket = env.newSocket('hloc');
      const r = await tmuxctl(socket, freshState(), ['apply', '-f', specLocal]);
      env.killServer(socket);
      return { ms: r.ms, throttledMs: 0 };
    },
  };
  // Each method uncapped, then (a host method) capped, the pairs side by side in one rotating order.
  const plan = Object.keys(cold).flatMap(
    (id) => /** @type {[string, 'uncapped' | 'capped'][]} */ ([[id, 'uncapped'], ...(coldCapped?.[id] ? [[id, 'capped']] : [])]),
  );
  const slot = (id, mode) => (mode === 'capped' ? coldCapped[id] : cold[id]);
  await coldRun['alone-h1']('uncapped'); // warm-up: file cache, sshd's first fork
  for (let r = 0; r < cfg.hostRuns; r++) {
    for (let i = 0; i < plan.length; i++) {
      const [id, mode] = plan[(i + r) % plan.length];
      setCap(mode === 'capped');
      const got = await coldRun[id](mode);
      slot(id, mode).runs.push(got.ms);
      if (mode === 'capped') coldCapped[id].throttledMs.push(got.throttledMs);
    }
    setCap(false);
    cfg.progress(
      `  cold run ${r + 1}/${cfg.hostRuns}: ${plan.map(([id, mode]) => `${id}${mode === 'capped' ? '@cap' : ''} ${formatMs(slot(id, mode).runs.at(-1))}`).join(', ')}`,
    );
  }
  setCap(false); // parts 2 and 3: uncapped
  for (const m of [...Object.values(cold), ...Object.values(coldCapped ?? {})]) {
    m.median = median(m.runs);
    if (m.throttledMs) m.throttledMedian = median(m.throttledMs);
  }
  if (capped)
    for (const [mode, c] of Object.entries(cgroupCheck))
      cfg.progress(
        `  ${mode}: every process of each host in its group during the 3-host apply: ${Object.entries(c)
          .map(
            ([h, v]) =>
              `${h} ${v.processes} (${Object.entries(v.byName)
                .map(([k, x]) => `${k} ${x}`)
                .join(', ')})`,
          )
          .join('; ')}`,
      );

  // 2. no-op with warm connections
  const socketN = env.newSocket('hnoop');
  const stateN = freshState();
  await tmuxctl(socketN, stateN, ['apply', '-f', spec3]);
  const socketL = env.newSocket('hnooploc');
  const stateL = freshState();
  await tmuxctl(socketL, stateL, ['apply', '-f', specLocal3]);
  const inSync = (r) => {
    if (!r.out.includes('in sync')) throw new Error(`no-op apply did something: ${r.out.slice(0, 300)} ${r.err.slice(0, 300)}`);
    return r;
  };
  let rttHost = 0;
  const noop = {
    all3: {
      label: `no-op \`tmuxctl apply\`, 3 hosts × ${n} sessions, masters up`,
      run: async () => inSync(await tmuxctl(socketN, stateN, ['apply', '-f', spec3])),
    },
    one: {
      label: `no-op \`tmuxctl apply --host h1\`, ${n} sessions, master up`,
      run: async () => inSync(await tmuxctl(socketN, stateN, ['apply', '-f', spec3, '--host', 'h1'])),
    },
    local: {
      label: `no-op \`tmuxctl apply\`, this machine, ${n * hostNames.length} sessions`,
      run: async () => inSync(await tmuxctl(socketL, stateL, ['apply', '-f', specLocal3])),
    },
    rtt: {
      label: 'round trip: `ssh HOST true` over the master',
      run: () => timed('ssh', [...sshOptions(ssh.configFile, stateN), '-o', 'ControlMaster=no', '-T', hostNames[rttHost++ % hostNames.length], '--', 'true']),
    },
    rtt3: {
      label: 'round trip to the 3 hosts at once (3 × `ssh HOST true` over the masters, to the last)',
      run: async () => {
        const t0 = performance.now();
        await Promise.all(hostNames.map((h) => timed('ssh', [...sshOptions(ssh.configFile, stateN), '-o', 'ControlMaster=no', '-T', h, '--', 'true'])));
        return { ms: performance.now() - t0 };
      },
    },
    ...(cfg.hostsBaseCli && {
      all3Base: {
        label: 'the 3-host no-op, by the build in BENCH_HOSTS_BASE (before this round)',
        run: async () => inSync(await timed(process.execPath, [cfg.hostsBaseCli, '-L', socketN, '--state-dir', stateN, 'apply', '-f', spec3], { env: tenv })),
      },
      oneBase: {
        label: '`apply --host h1`, by the build in BENCH_HOSTS_BASE',
        run: async () =>
          inSync(await timed(process.execPath, [cfg.hostsBaseCli, '-L', socketN, '--state-dir', stateN, 'apply', '-f', spec3, '--host', 'h1'], { env: tenv })),
      },
    }),
    rttNew: {
      label: 'round trip: `ssh HOST true`, a new connection',
      run: () => timed('ssh', ['-F', ssh.configFile, '-o', 'BatchMode=yes', '-T', hostNames[rttHost++ % hostNames.length], '--', 'true']),
    },
  };
  const noopIds = Object.keys(noop);
  for (const id of noopIds) await noop[id].run(); // warm-up: the masters are up after this
  for (const m of Object.values(noop)) m.runs = [];
  for (let r = 0; r < cfg.hostNoopRuns; r++) {
    for (let i = 0; i < noopIds.length; i++) {
      const id = noopIds[(i + r) % noopIds.length];
      noop[id].runs.push((await noop[id].run()).ms);
    }
  }
  for (const m of Object.values(noop)) {
    m.median = median(m.runs);
    delete m.run;
  }
  cfg.progress(`  no-op: ${noopIds.map((id) => `${id} ${formatMs(noop[id].median)}`).join(', ')}`);
  const calls = await countSshCalls(env, () =>
    tmuxctl(socketN, stateN, ['apply', '-f', spec3], { env: { ...tenv, PATH: `${env.dir('h', 'shim')}:${env.env.PATH}` } }),
  );
  cfg.progress(
    `  no-op over 3 hosts: ${calls.total} ssh processes (${Object.entries(calls.byKind)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')})`,
  );
  closeMasters(ssh.configFile, stateN, hostNames);
  await killRemote(hostNames, socketN);
  env.killServer(socketL);

  // 3. crash repair under watch: sessions here and on h1, one watch
  const crash = await crashSection(env, tools.bash, cfg, ssh, tenv, dir);
  return { hosts: hostNames.length, sessions: n, runs: cfg.hostRuns, noopRuns: cfg.hostNoopRuns, cap, cold, coldCapped, cgroupCheck, noop, calls, crash };
}

/**
 * Runs `fn` with an `ssh` shim first on PATH that logs each invocation's kind: the remote command's
 * first word(s), `-O check`, `-G`, or the master.
 */
async function countSshCalls(env, fn) {
  const shimDir = env.dir('h', 'shim');
  const log = path.join(shimDir, 'calls.log');
  writeFileSync(log, '');
  const shim = path.join(shimDir, 'ssh');
  writeFileSync(shim, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec /usr/bin/ssh "$@"\n`);
  chmodSync(shim, 0o755);
  await fn();
  const byKind = {};
  for (const line of readFileSync(log, 'utf8').split('\n').filter(Boolean)) {
    const kind = / -O check /.test(line)
      ? 'ssh -O check'
      : / -G /.test(line)
        ? 'ssh -G'
        : /ControlMaster=yes/.test(line)
          ? 'master'
          : (/-- (?:timeout -s KILL \d+ )?(\S+)(?: (\S+))?/.exec(line)?.slice(1, 3).filter(Boolean).join(' ') ?? line.slice(0, 40));
    byKind[kind] = (byKind[kind] ?? 0) + 1;
  }
  return { total: Object.values(byKind).reduce((a, b) => a + b, 0), byKind };
}

/**
 * Part 3 alone, exported so that it can be run by itself against any build (`cfg.crashCli`, default
 * this one's): before/after numbers for a change to watch on hosts without the cold and no-op parts.
 */
export async function crashSection(env, bash, cfg, ssh, tenv, dir) {
  const k = cfg.hostCrashSessions;
  const h1 = ssh.host('h1');
  h1.run('mkdir -p starts');
  const remoteStarts = path.join(h1.home, 'starts');
  const localStarts = env.dir('h', 'starts');
  const socket = env.newSocket('hwatch');
  const state = env.dir('h', 'watch-state');
  const specDir = env.dir('h', 'watch-specs');
  const local = Array.from({ length: k }, (_, i) => `l${i}`);
  const remote = Array.from({ length: k }, (_, i) => `r${i}`);
  const backoff = `backoff: {initialSeconds: 1, maxSeconds: 300, resetAfterSeconds: ${cfg.crashResetSeconds}}`;
  const lines = ['version: 1', 'hosts:', '  h1: {ssh: h1}', 'sessions:'];
  for (const s of local)
    lines.push(`  ${s}:`, `    command: ${JSON.stringify([bash, '-c', FIXTURE, path.join(localStarts, s)])}`, '    startSeconds: 0', `    ${backoff}`);
  for (const s of remote)
    lines.push(
      `  ${s}:`,
      `    command: ${JSON.stringify([bash, '-c', FIXTURE, path.join(remoteStarts, s)])}`,
      '    host: h1',
      '    startSeconds: 0',
      `    ${backoff}`,
    );
  writeFileSync(path.join(specDir, 'app.yaml'), `${lines.join('\n')}\n`);
  const base = [cfg.crashCli ?? cliPath, '-L', socket, '--state-dir', state];
  await timed(process.execPath, [...base, 'apply', '-f', specDir], { env: tenv });
  const log = createWriteStream(path.join(dir, 'watch.log'));
  const child = spawn(process.execPath, [...base, 'watch', '-f', specDir], { env: tenv, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.pipe(log);
  let exited = false;
  child.on('exit', () => (exited = true));
  env.onCleanup(() => {
    if (!exited) child.kill('SIGKILL');
  });
  const file = { local: (s) => path.join(localStarts, s), remote: (s) => path.join(remoteStarts, s) };
  await waitFor(() => [...local.map(file.local), ...remote.map(file.remote)].every((f) => starts(f).length >= 1), {
    what: 'every session running',
    timeoutMs: 60_000,
  });
  await sleep(cfg.settleMs);
  const got = { local: [], remote: [], missed: { local: 0, remote: 0 }, lost: { local: 0, remote: 0 } };
  const once = async (where, f) => {
    const last = starts(f).at(-1);
    const wait = last.at + cfg.crashResetSeconds * 1000 + 300 - Date.now();
    if (wait > 0) await sleep(wait);
    const before = starts(f);
    const kill = killNine(bash, before.at(-1).pid);
    let next = await nextStart(f, before.length, cfg.missAfterMs);
    if (!next) {
      got.missed[where] += 1;
      next = await nextStart(f, before.length, cfg.rescueMs);
      if (!next) {
        got.lost[where] += 1;
        return;
      }
    }
    got[where].push(next.at - kill);
  };
  for (let i = 0; i < cfg.hostCrashes; i++) {
    const order = i % 2 === 0 ? ['local', 'remote'] : ['remote', 'local'];
    for (const where of order) await once(where, file[where]((where === 'local' ? local : remote)[i % k]));
    await sleep(cfg.crashGapMs);
    if ((i + 1) % 5 === 0)
      cfg.progress(`  crashes ${i + 1}/${cfg.hostCrashes}: here median ${formatMs(median(got.local))}, on h1 median ${formatMs(median(got.remote))}`);
  }
  child.kill('SIGTERM');
  await Promise.race([new Promise((r) => (exited ? r() : child.on('exit', r))), sleep(15_000)]);
  closeMasters(ssh.configFile, state, ['h1']);
  env.killServer(socket);
  return { count: cfg.hostCrashes, sessions: k, local: summarise(got.local), remote: summarise(got.remote), missed: got.missed, lost: got.lost };
}

const signedMs = (ms) => `${ms < 0 ? '−' : '+'}${formatMs(Math.abs(ms))}`;

function writeSpec(file, lines) {
  writeFileSync(file, `version: 1\n${lines.join('\n')}\n`);
  return file;
}

/** The slowest host alone in a set of cold methods (capped or not): the baseline of its 3-host cold apply. */
function slowestAlone(cold) {
  return Object.entries(cold)
    .filter(([id]) => id.startsWith('alone-'))
    .reduce((a, b) => (b[1].median > a[1].median ? b : a));
}

/** Each host's CPU in the capped rows, in a few words. */
const capWords = (cap) => `capped: ≤ ${cap.cpus} core each`;

/** Why the capped rows are capped, and how: one sentence for the report (or why there are none). */
export function capNote(d) {
  if (!d.cap) return undefined; // a run from before the caps
  const why = `separate machines do not share CPUs; three fake hosts on this machine's ${d.cap.cores} cores do`;
  if (d.cap.skipped)
    return `No CPU caps in this run (${d.cap.skipped}): every row is uncapped, so the 3-host ratio includes the three fake hosts sharing this machine's cores (${why}).`;
  const left = Math.max(0, d.cap.cores - d.hosts * d.cap.cpus);
  const seen = d.cgroupCheck?.capped ?? d.cgroupCheck?.uncapped;
  const [h, c] = Object.entries(seen ?? {})[0] ?? [];
  return (
    `Capped rows (the issue's condition): each fake host runs in a cgroup of its own limited to ${d.cap.cpus} of a core ` +
    `(${d.cap.kind}: ${d.cap.quotaUs} µs of CPU per ${d.cap.periodUs} µs), alone as with the others, because ${why}. ` +
    `${d.hosts} × ${d.cap.cpus} leaves ${left.toFixed(1)} of a core to this machine's side (tmuxctl, ssh). ` +
    "Uncapped rows: the same methods in the same run with no limit, i.e. this machine's own contention. Raw batches are compared only with rows of their own condition. " +
    "The host's sshd is put in the group when it starts, so everything of the host (logins, tmux server, panes) inherits it" +
    (c
      ? `; checked during every 3-host apply (on ${h}: ${c.processes} processes, ${Object.entries(c.byName)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}; none outside).`
      : '.')
  );
}

/** The rows of one set of cold methods, each ratio against the same set (same caps). */
function coldRows(cold, cpu, throttle) {
  const [slowId, slow] = slowestAlone(cold);
  const rawOfSlow = cold[slowId.replace('alone-', 'raw-')];
  return Object.entries(cold).map(([id, m]) => [
    m.label,
    id === 'local' ? 'this machine' : cpu,
    `${formatMs(m.median)} (${m.runs.length})`,
    id === 'local' || id.startsWith('raw') ? '' : formatRatio(m.median / slow.median),
    id === 'all3' ? formatRatio(m.median / rawOfSlow.median) : id.startsWith('alone-') ? formatRatio(m.median / cold[id.replace('alone-', 'raw-')].median) : '',
    id === 'raw3'
      ? `${formatRatio(m.median / rawOfSlow.median)} (raw, 3 at once ÷ one)`
      : id === 'all3' && cold.raw3
        ? `${formatRatio(m.median / slow.median / (cold.raw3.median / rawOfSlow.median))} (tmuxctl's 3-host ratio ÷ raw's)`
        : '',
    ...(throttle ? [m.throttledMedian === undefined ? '' : formatMs(m.throttledMedian)] : []),
  ]);
}

export function hostsTables(d) {
  if (d.skipped) return [];
  const capped = d.coldCapped && d.cap && !d.cap.skipped;
  const cold = {
    caption:
      `Cold apply (fresh tmux servers, fresh state dir: no ssh master yet), median of ${d.runs} runs` +
      (capped ? `, capped and uncapped side by side in one run; ratios within the same condition` : ''),
    columns: [
      'method',
      "each host's CPU",
      'median (runs)',
      '÷ slowest host alone (same CPU)',
      '÷ raw ssh batch (same host, same CPU)',
      '3 at once on one machine',
      ...(capped ? ['time throttled, hosts summed (median)'] : []),
    ],
    rows: [
      ...(capped ? coldRows(d.coldCapped, capWords(d.cap), true) : []),
      ...coldRows(d.cold, d.cap ? `uncapped: the ${d.hosts} hosts and this side share ${d.cap.cores} cores` : 'shared with this machine', capped),
    ],
    note: capNote(d),
  };
  const rtt = d.noop.rtt.median;
  const noop = {
    caption: `No-op apply, masters up, median of ${d.noopRuns} runs${d.cap ? ' (hosts uncapped)' : ''}`,
    columns: ['command', 'median', '− local no-op', 'in round trips'],
    rows: Object.entries(d.noop).map(([id, m]) => [
      m.label,
      formatMs(m.median),
      /^(all3|one)/.test(id) ? signedMs(m.median - d.noop.local.median) : '',
      /^(all3|one)/.test(id) ? ((m.median - d.noop.local.median) / rtt).toFixed(1) : '',
    ]),
  };
  noop.rows.push([
    'ssh processes in one no-op apply over 3 hosts',
    String(d.calls.total),
    Object.entries(d.calls.byKind)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', '),
    '',
  ]);
  const c = d.crash;
  const dist = (x) => `p50 ${formatMs(x.median)}, p95 ${formatMs(x.p95)}, max ${formatMs(x.max)} (${x.n})`;
  const crash = {
    caption: `Crash repair under one \`watch\` (kill -9 → replacement running, first restart), ${c.count} crashes each, in turn${d.cap ? ' (hosts uncapped)' : ''}`,
    columns: ['where', 'latency', 'missed (not back in 5 s) / lost'],
    rows: [
      [`this machine (${c.sessions} sessions)`, dist(c.local), `${c.missed.local} / ${c.lost.local}`],
      [`h1 over ssh (${c.sessions} sessions)`, dist(c.remote), `${c.missed.remote} / ${c.lost.remote}`],
    ],
  };
  return [cold, noop, crash];
}

/**
 * @typedef {object} Target
 * @property {string} what
 * @property {string} target
 * @property {string} measured
 * @property {string} baseline
 * @property {string} ratio
 * @property {boolean} met
 * @property {boolean} [reference] shown for comparison, not judged
 */

/**
 * The issue 13 speed targets, judged on this run's side-by-side figures.
 * @returns {Target[]}
 */
export function issue13Targets(d) {
  if (!d || d.skipped) return [];
  const rtt = d.noop.rtt.median;
  const noopBudget = d.noop.local.median + 2 * rtt;
  const c = d.crash;
  const crashBudget = (p) => c.local[p] + rtt;
  const capped = d.coldCapped && d.cap && !d.cap.skipped;
  /** The cold target judged on one set of methods (capped or not). */
  const coldTarget = (cold, what, extra = {}) => {
    const [slowId, slow] = slowestAlone(cold);
    const all3 = cold.all3.median;
    const rawOfSlow = cold[slowId.replace('alone-', 'raw-')].median;
    return {
      what,
      target: '≤ 1.3x the slowest host alone',
      measured: formatMs(all3),
      baseline:
        `${slowId.replace('alone-', '')} alone ${formatMs(slow.median)}; raw ssh batch ${formatMs(rawOfSlow)}` +
        (cold.raw3 ? `, to 3 hosts at once ${formatMs(cold.raw3.median)} (${formatRatio(cold.raw3.median / rawOfSlow)} of one)` : ''),
      ratio: formatRatio(all3 / slow.median),
      met: all3 <= 1.3 * slow.median,
      ...extra,
    };
  };
  const cold = `cold apply, ${d.hosts} hosts × ${d.sessions} sessions`;
  return [
    ...(capped
      ? [
          coldTarget(d.coldCapped, `${cold}, each host capped at ${d.cap.cpus} core (separate machines do not share CPUs)`),
          coldTarget(d.cold, "… uncapped: the 3 fake hosts share this machine's cores (its contention, for reference)", { reference: true }),
        ]
      : [coldTarget(d.cold, d.cap ? `${cold}, uncapped (no CPU caps: ${d.cap.skipped})` : cold)]),
    {
      what: `no-op apply, ${d.hosts} hosts × ${d.sessions} sessions, masters up`,
      target: '≤ local no-op (same 150 sessions) + 2 round trips',
      measured: formatMs(d.noop.all3.median),
      baseline: `${formatMs(noopBudget)} (local ${formatMs(d.noop.local.median)} + 2 × ${formatMs(rtt)})`,
      ratio: formatRatio(d.noop.all3.median / noopBudget),
      met: d.noop.all3.median <= noopBudget,
    },
    {
      what: `crash repair on a host under watch, ${c.count} crashes: p50`,
      target: '≤ local repair + one round trip',
      measured: formatMs(c.remote.median),
      baseline: `${formatMs(crashBudget('median'))} (local ${formatMs(c.local.median)} + ${formatMs(rtt)})`,
      ratio: formatRatio(c.remote.median / crashBudget('median')),
      met: c.remote.n > 0 && c.remote.median <= crashBudget('median'),
    },
    {
      what: '… p95',
      target: '≤ local p95 + one round trip',
      measured: formatMs(c.remote.p95),
      baseline: `${formatMs(crashBudget('p95'))} (local ${formatMs(c.local.p95)} + ${formatMs(rtt)})`,
      ratio: formatRatio(c.remote.p95 / crashBudget('p95')),
      met: c.remote.n > 0 && c.remote.p95 <= crashBudget('p95'),
    },
  ];
}
