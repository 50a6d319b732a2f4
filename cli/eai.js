#!/usr/bin/env node
// The `eai` command. A plain JS entry so `npx eai` works; the CLI itself is TypeScript run by Node 24.
import { quietKnownWarnings } from '../lib/quiet-warnings.ts';

quietKnownWarnings();
import('./main.ts').then((m) => m.main(process.argv));
