// The int files' setup (vitest.config.ts): the stack the global setup found or is starting, waited for before the
// first int file (once a process: the int files share one), and the file's lanes (tests/int-lanes.ts) held while it
// runs, since two int files run at a time.
import { afterAll, beforeAll } from 'vitest';
import { enterLanes } from './int-lanes.ts';
import { waitForTestStack } from './stack.ts';

const stack = await waitForTestStack();

let leave: (() => Promise<void>) | undefined;
// A file waits here while another file holds its lane: at most the longest such file (about a minute).
// biome-ignore lint/correctness/noEmptyPattern: vitest hands a hook the file's suite second, after a destructured context
beforeAll(async ({}, suite) => {
  leave = await enterLanes(suite.file.filepath, stack.databaseUrl);
}, 900_000);
afterAll(async () => {
  await leave?.();
  leave = undefined;
});
