import { withoutValueMarks } from '../lib/errors.ts';

/**
 * Prints a command's result: JSON for scripts (`--json`), else the human form. The values the hub's messages quote
 * (a rejected line's reason, a connector's error) as plain text, without the marks that hide them from an admin
 * API viewer (lib/errors.ts `quotedValue`): the one running the CLI reads them whole, as an operator does.
 */
export function printResult(json: boolean, value: unknown, human: () => string): void {
  process.stdout.write(withoutValueMarks(json ? `${JSON.stringify(value)}\n` : `${human()}\n`));
}
