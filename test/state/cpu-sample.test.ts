import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cpuSampleFile, MAX_AGE_MS, MIN_AGE_MS, readCpuSample, writeCpuSample } from '../../src/state/cpu-sample.js';

const proc = { pid: 42, ppid: 1, pgid: 42, sid: 42, startTime: 7, state: 'S', cpuTicks: 300 };

describe('the CPU sample status keeps between looks', () => {
  it('is kept per server in the state dir, private, and read back while it is recent', () => {
    const state = mkdtempSync(path.join(tmpdir(), 'cpu-sample-'));
    const file = cpuSampleFile(state, path.join(state, 'logs', 'server-abc'));
    expect(file).toBe(path.join(state, 'status', 'server-abc.json'));
    writeCpuSample(file, { at: 1_000_000, procs: [proc, { ...proc, pid: 43 }] }, [proc]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readCpuSample(file, 1_000_000 + 5000)).toEqual({ at: 1_000_000, procs: [proc] });
  });

  it('is not used when too old, too new, missing or unreadable (status then samples over a second)', () => {
    const state = mkdtempSync(path.join(tmpdir(), 'cpu-sample-'));
    const file = path.join(state, 'status', 'server-x.json');
    expect(readCpuSample(file)).toBeUndefined();
    writeCpuSample(file, { at: 1_000_000, procs: [proc] }, [proc]);
    expect(readCpuSample(file, 1_000_000 + MAX_AGE_MS + 1)).toBeUndefined();
    expect(readCpuSample(file, 1_000_000 + MIN_AGE_MS - 1)).toBeUndefined();
    writeFileSync(file, '{not json');
    expect(readCpuSample(file, 1_000_000 + 5000)).toBeUndefined();
  });
});
