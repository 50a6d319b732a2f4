import { readFileSync } from 'node:fs';
import { mapBytes } from '../mappings/index.ts';

const [format, file] = process.argv.slice(2);
try {
  const out = await mapBytes(format!, readFileSync(file!));
  console.log(
    JSON.stringify(
      out.flatMap((o) => o.records),
      null,
      1,
    ),
  );
} catch (e) {
  console.error('ERR', (e as Error).message);
}
