/**
 * Milliseconds of CPU this thread has used since the call, for specs that bound the work a step does (a reading that
 * must stay linear, a deadline that must strike). Not wall time: a machine busy with other work stretches that while
 * the thread waits. Not the process's CPU time: V8's collector threads work beside it on a large heap.
 */
export function threadCpuTimer(): () => number {
  const before = process.threadCpuUsage();
  return () => {
    const used = process.threadCpuUsage(before);
    return (used.user + used.system) / 1000;
  };
}
