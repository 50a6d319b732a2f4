import { readFileSync } from 'node:fs';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { lanesOf } from './int-lanes.ts';

/**
 * Vitest's order (by the last run's durations, else by size), with the int files of the lane `shared` taken in turn
 * with the others (tests/int-lanes.ts): two workers that each took a `shared` file would leave one of them waiting.
 */
export default class IntSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const int = sorted.filter((spec) => spec.project.name === 'int');
    const inLane = int.filter((spec) => lanesOf(readFileSync(spec.moduleId, 'utf8')).length > 0);
    const free = int.filter((spec) => !inLane.includes(spec));
    const turns: TestSpecification[] = [];
    while (inLane.length > 0 || free.length > 0) {
      const lane = inLane.shift();
      if (lane) turns.push(lane);
      const other = free.shift();
      if (other) turns.push(other);
    }
    return [...sorted.filter((spec) => spec.project.name !== 'int'), ...turns];
  }
}
