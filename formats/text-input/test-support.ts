import { FormatError } from '../types.ts';
import { parseJson } from './json.ts';

/** The FormatError `parseJson` refuses a text with (specs only); anything else fails the spec. */
export function refusal(text: string): FormatError {
  try {
    parseJson('test', text);
  } catch (error) {
    if (error instanceof FormatError) return error;
    throw error;
  }
  throw new Error('expected a FormatError');
}
