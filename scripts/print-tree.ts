import { readFileSync } from 'node:fs';
import { findReader } from '../formats/index.ts';

const [format, file] = process.argv.slice(2);
const docs = findReader(format!).parse(readFileSync(file!));
console.log(
  JSON.stringify(
    docs.map((d) => ({ ...d, tree: d.tree })),
    null,
    1,
  ),
);
