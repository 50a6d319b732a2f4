// kafkajs 2.2.4 schedules a negative timeout on Node 22+ (tulios/kafkajs#1751); the warning is harmless noise.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...args) => {
  const name = typeof args[0] === 'string' ? args[0] : args[0]?.type;
  if (name === 'TimeoutNegativeWarning' || warning?.name === 'TimeoutNegativeWarning') return;
  emitWarning(warning, ...args);
};
