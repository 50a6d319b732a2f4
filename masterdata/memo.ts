/**
 * A pure function of one string with its answers remembered, at most `limit` of them (all forgotten when full:
 * the values that repeat come back at once). For the comparison forms: names, cities, streets and phone numbers
 * repeat across records and updates, and working them out again was most of standardising's CPU time.
 */
export function memoise<R extends NonNullable<unknown> | null>(
  fn: (text: string) => R,
  limit = 100_000,
): (text: string) => R {
  const answers = new Map<string, R>();
  return (text) => {
    let answer = answers.get(text);
    if (answer === undefined) {
      answer = fn(text);
      if (answers.size >= limit) answers.clear();
      answers.set(text, answer);
    }
    return answer;
  };
}
