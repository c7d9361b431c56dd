import { afterAll, expect } from 'vitest';
import { canaryProblems } from './canary.js';

// Runs after every test file (setup-file hooks run last): no test marker and no field outside
// the allowlist in anything the file's apps logged (SIG-5).
afterAll(() => {
  expect(canaryProblems()).toEqual([]);
});
