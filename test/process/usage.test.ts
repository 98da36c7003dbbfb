import { describe, expect, it } from 'vitest';
import { parseStat } from '../../src/process/table.js';
import { cpuPercent, parseVmRss, type ProcSample, sumRss, treeUsage } from '../../src/process/usage.js';

const proc = (pid: number, cpuTicks: number, startTime = 1000): ProcSample => ({ pid, ppid: 1, pgid: pid, sid: pid, state: 'S', startTime, cpuTicks });

describe('process usage arithmetic', () => {
  it('CPU percent of a tree is the ticks its processes used between two samples', () => {
    // 100 ticks a second: 50 + 30 ticks over 1 s is 80% of one core.
    expect(cpuPercent([proc(1, 100), proc(2, 10)], [proc(1, 150), proc(2, 40)], 1000)).toBeCloseTo(80);
    // Over 2 s, the same ticks are half as much.
    expect(cpuPercent([proc(1, 100)], [proc(1, 180)], 2000)).toBeCloseTo(40);
    // Idle: nothing used.
    expect(cpuPercent([proc(1, 100)], [proc(1, 100)], 1000)).toBe(0);
  });

  it('counts a process started in between in full, drops one that ended, and tells a reused pid apart', () => {
    expect(cpuPercent([proc(1, 100)], [proc(1, 100), proc(3, 20)], 1000)).toBeCloseTo(20);
    expect(cpuPercent([proc(1, 100), proc(2, 500)], [proc(1, 110)], 1000)).toBeCloseTo(10);
    // pid 2 is another process now (other start time): its 7 ticks are all new, not 7 - 500.
    expect(cpuPercent([proc(2, 500, 1000)], [proc(2, 7, 2000)], 1000)).toBeCloseTo(7);
    expect(cpuPercent([proc(1, 1)], [proc(1, 2)], 0)).toBe(0);
  });

  it('sums the resident memory of every process in a tree', () => {
    const rss = new Map([
      [1, 1024],
      [2, 4096],
      [3, 0],
    ]);
    expect(sumRss([1, 2, 3], (pid) => rss.get(pid) ?? 0)).toBe(5120);
    expect(sumRss([], () => 1)).toBe(0);
  });

  it('measures each root’s tree between two samples, with the memory a host measured of it when given', () => {
    // Tree of 10: itself and its child 11; 20 alone. 12 belongs to nobody's tree.
    const p = (pid: number, ppid: number, cpuTicks: number): ProcSample => ({ ...proc(pid, cpuTicks), ppid });
    const before = { at: 1000, procs: [p(10, 1, 100), p(11, 10, 0), p(12, 1, 0), p(20, 1, 50)] };
    const after = { at: 3000, procs: [p(10, 1, 140), p(11, 10, 60), p(12, 1, 900), p(20, 1, 50)] };
    const usage = treeUsage(before, after, [10, 20], new Map([[10, 4096]]));
    // 40 + 60 ticks over 2 s is 50% of one core; a root the host had no memory for is 0.
    expect(usage.get(10)!.cpuPercent).toBeCloseTo(50);
    expect(usage.get(10)!.rssBytes).toBe(4096);
    expect(usage.get(20)).toEqual({ cpuPercent: 0, rssBytes: 0 });
    expect([...usage.keys()]).toEqual([10, 20]);
  });

  it('reads VmRSS in kB as bytes, and 0 where there is none (zombies, kernel threads)', () => {
    expect(parseVmRss('Name:\tsleep\nVmPeak:\t  8000 kB\nVmRSS:\t    1792 kB\nThreads:\t1\n')).toBe(1792 * 1024);
    expect(parseVmRss('Name:\tkthreadd\nState:\tS (sleeping)\n')).toBe(0);
  });

  it('parses utime + stime from /proc/PID/stat, whatever the command name holds', () => {
    const fields = ['S', '10', '20', '20', '34816', '20', '4194560', '100', '0', '0', '0', '250', '17', '0', '0', '20', '0', '1', '0', '98765'];
    const p = parseStat(42, `42 (a) b (c)) ${fields.join(' ')} 1234 5678`);
    expect(p).toEqual({ pid: 42, state: 'S', ppid: 10, pgid: 20, sid: 20, cpuTicks: 267, startTime: 98765 });
    expect(parseStat(1, '1 (x) S 0')).toBeUndefined();
  });
});
