import { avroType, canonicalSchemas, entitySchemaFiles } from './catalog.ts';

/**
 * Renders TypeScript declarations from the canonical .avsc files, so the types are generated, never kept by hand.
 * `npm run schemas:types` writes them to `schemas/types.generated.ts`; a test fails when that file is stale.
 */
type AvroSchema = string | AvroSchema[] | { [key: string]: unknown };

function shortName(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

export function renderTypes(): string {
  const declarations = new Map<string, string>();

  function typeOf(schema: AvroSchema): string {
    if (typeof schema === 'string') {
      const primitive: Record<string, string> = {
        null: 'null',
        boolean: 'boolean',
        int: 'number',
        long: 'number',
        float: 'number',
        double: 'number',
        bytes: 'Buffer',
        string: 'string',
      };
      return primitive[schema] ?? shortName(schema);
    }
    if (Array.isArray(schema)) return schema.map(typeOf).join(' | ');
    const logical = schema.logicalType as string | undefined;
    if (logical === 'decimal') return 'Decimal';
    if (logical === 'timestamp-millis') return 'Date';
    if (logical === 'date') return 'IsoDate';
    switch (schema.type) {
      case 'record': {
        const name = shortName(schema.name as string);
        if (!declarations.has(name)) {
          declarations.set(name, '');
          const fields = (
            schema.fields as Array<{ name: string; type: AvroSchema; doc?: string; default?: unknown }>
          )
            .map((f) => {
              const optional = f.default !== undefined ? '?' : '';
              return `  /** ${f.doc ?? ''} */\n  ${f.name}${optional}: ${typeOf(f.type)};`;
            })
            .join('\n');
          declarations.set(name, `/** ${schema.doc ?? ''} */\nexport interface ${name} {\n${fields}\n}`);
        }
        return name;
      }
      case 'enum': {
        const name = shortName(schema.name as string);
        if (!declarations.has(name)) {
          const symbols = (schema.symbols as string[]).map((s) => `'${s}'`).join(' | ');
          declarations.set(name, `/** ${schema.doc ?? ''} */\nexport type ${name} = ${symbols};`);
        }
        return name;
      }
      case 'array':
        return `Array<${typeOf(schema.items as AvroSchema)}>`;
      case 'map':
        return `Record<string, ${typeOf(schema.values as AvroSchema)}>`;
      default:
        return typeOf(schema.type as AvroSchema);
    }
  }

  for (const file of [...canonicalSchemas.map((s) => s.file), ...entitySchemaFiles]) {
    typeOf(avroType(file).schema({ exportAttrs: true }) as AvroSchema);
  }
  const header = [
    '// Generated from schemas/*.avsc by `npm run schemas:types`. Do not edit: change the .avsc and regenerate.',
    '',
    '/** An exact decimal as a string, e.g. "1234.5" (Avro decimal). */',
    'export type Decimal = string;',
    '/** A calendar date, YYYY-MM-DD (Avro date). */',
    'export type IsoDate = string;',
    '',
  ];
  return `${[...header, ...declarations.values()].join('\n')}\n`;
}
