// Test process setup (vitest setupFiles): the same warning filter the CLI installs at its entry point.
import { quietKnownWarnings } from '../lib/quiet-warnings.ts';

quietKnownWarnings();
