import { spawn } from 'node:child_process';

/**
 * Runs a host's script with a local `sh -s`: what a host does with it, minus ssh. Resolves with its
 * stdout; rejects when sh exits non-zero (as a host's shell run does).
 */
export function localSh(script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-s'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`sh exited ${code}`))));
    child.stdin.end(script);
  });
}
