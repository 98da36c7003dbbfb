import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests drive a real tmux; spawning and polling it can take a while on a busy CI box.
    testTimeout: 30000,
  },
});
