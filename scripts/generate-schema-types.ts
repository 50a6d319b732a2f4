import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderTypes } from '../schemas/typescript.ts';

const target = fileURLToPath(new URL('../schemas/types.generated.ts', import.meta.url));
writeFileSync(target, renderTypes());
process.stdout.write(`wrote ${target}\n`);
