import type { Bus } from '../../bus/index.ts';
import { ConfigError, errorMessage } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { type CompiledMapping, findMapping, inboundMapping, inTimeZone } from '../../mappings/index.ts';
import { createMappingStep, type DocumentInput, type MappingStep } from './mapping-step.ts';

/**
 * What a source connector's mapping step is made of, as plain data: the runtime builds the step from it in its own
 * thread, and so does each mapping thread (mapping-pool.ts).
 */
export interface SourceStepConfig {
  /** The connector's name: `/eai/connectors/<name>` as the CloudEvents source. */
  name: string;
  /**
   * What its dead letters are signed with, so that a redrive maps them through this connector and no other group's
   * of the name: its `connectorKey` (`<group>/<name>` outside the default connect group); default the name.
   */
  owner?: string;
  /**
   * The system the connector reads from (`systemOfConnector`): what its dead letters name (`eai.connector.system`),
   * so that a system's sync health counts the documents its sources could not map.
   */
  system?: string;
  /** The named mapping (a file in mappings/ or a path relative to `baseDir`). */
  mapping?: string;
  mappingsBySender?: Record<string, string>;
  /** Folder that relative mapping paths are resolved against. */
  baseDir: string;
  /** Topic per schema full name instead of the canonical one. */
  topics?: Record<string, string>;
  /** The character set of documents whose format declares none (the definition's `encoding`). */
  encoding?: string;
  /** The zone of the documents' local dates and times (the definition's `timeZone`), over each mapping's own. */
  timeZone?: string;
  /**
   * Which start of the connector the step is for: a restart makes a new step in each mapping thread too, and so
   * reads a mapping changed since (findMapping).
   */
  start?: number;
}

/**
 * The mapping for each document, as the connector names it: its sender's (`mappingsBySender`, by the sender the
 * source or the document's reader names), else `mapping`. The named mapping reads its own format. A document in
 * another format (a CDC source's re-read of a record through the REST API) and a connector that names none take
 * the one shipped mapping of the document's format, as definition.ts documents (refused when there are several).
 */
export function mappingChooser(
  config: SourceStepConfig,
): (input: DocumentInput, sender?: string) => CompiledMapping {
  // Each named mapping is found once per start, not per document (findMapping looks at the disk).
  const named = new Map<string, CompiledMapping>();
  const namedMapping = (ref: string) => {
    let mapping = named.get(ref);
    if (!mapping) {
      mapping = inTimeZone(findMapping(ref, config.baseDir), config.timeZone);
      named.set(ref, mapping);
    }
    return mapping;
  };
  return (input, sender = input.sender) => {
    const ref = (sender && config.mappingsBySender?.[sender]) || config.mapping;
    const mapping = ref ? namedMapping(ref) : undefined;
    if (mapping && mapping.spec.input === input.format) return mapping;
    try {
      return inTimeZone(inboundMapping(input.format), config.timeZone);
    } catch (error) {
      throw new ConfigError(
        `connector ${config.name}: name a mapping (mapping:) for format ${input.format}: ${errorMessage(error)}`,
      );
    }
  };
}

/** A source connector's mapping step on `bus`. */
export function createSourceStep(config: SourceStepConfig, bus: Bus, logger?: Logger): MappingStep {
  return createMappingStep({
    publisher: bus.preparer(`/eai/connectors/${config.name}`),
    owner: config.owner ?? config.name,
    ...(config.system ? { system: config.system } : {}),
    logger,
    topics: config.topics,
    encoding: config.encoding,
    mappingFor: mappingChooser(config),
    mappingBySender: Object.keys(config.mappingsBySender ?? {}).length > 0,
  });
}
