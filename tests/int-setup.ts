// The int files' setup (vitest.config.ts): the stack the global setup found or is starting, waited for before the
// first int file (once a process: the int files share one).
import { waitForTestStack } from './stack.ts';

await waitForTestStack();
