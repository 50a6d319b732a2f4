// kafkajs 2.2.4 schedules a negative timeout on Node 22+ (tulios/kafkajs#1751); the warning is harmless noise.
// Nothing happens at import: the process's entry point (the CLI, the test setup, a benchmark) calls this once.
let installed = false;

export function quietKnownWarnings(): void {
  if (installed) return;
  installed = true;
  const emitWarning = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...args: unknown[]) => {
    const first = args[0] as string | { type?: string } | undefined;
    const name = typeof first === 'string' ? first : first?.type;
    if (name === 'TimeoutNegativeWarning' || (warning as Error)?.name === 'TimeoutNegativeWarning') return;
    (emitWarning as (...a: unknown[]) => void)(warning, ...args);
  }) as typeof process.emitWarning;
}
