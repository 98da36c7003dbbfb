/**
 * Specs that declare nothing on this machine (sessions on remote hosts only) still make `apply` look
 * at this machine's server, since undeclared sessions of its own may need pruning. With no server
 * here there is nothing to look at and nothing to do: no lock is taken here (no flock process, no
 * lock file), which every apply over hosts would otherwise pay alongside the hosts' round trips.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { specDoc, useTmuxServer } from '../helpers/tmux.js';

const t = useTmuxServer();

describe('apply with nothing declared on this machine', () => {
  it('and no tmux server here: in sync, and no lock taken here', async () => {
    const stateDir = t.path('nothing-here-state');
    const file = t.writeSpec('nothing-here/app.yaml', specDoc({}));
    const socket = t.path('nothing-here-sock');
    const r = await t.tmuxctl(['-S', socket, '--state-dir', stateDir, 'apply', '-f', file]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('in sync: 0 sessions, nothing to do\n');
    expect(existsSync(path.join(stateDir, 'locks'))).toBe(false);
    expect(existsSync(socket)).toBe(false);
  });
});
