import { defineConfig } from 'vitest/config';

// One test run for every workspace. Tests talk to real servers (MariaDB, Redis, the Firestore
// emulator, aedes, Mosquitto), so timeouts are generous and each test makes its own names.
// The mirror UI (Svelte, jsdom + headless Chromium) is its own project: device/ui/vitest.config.ts.
export default defineConfig({
  test: {
    maxWorkers: 2,
    // In CI missing ../shared/data fails the run instead of letting its tests skip.
    globalSetup: ['./test/support/sharedDataGuard.ts'],
    projects: [
      {
        test: {
          name: 'node',
          include: ['{protocol,cloud-sync,gateway,device,models,bench}/**/test/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'device/ui/**'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
      './device/ui/vitest.config.ts',
    ],
  },
});
