/**
 * Whether `name` is a time zone the runtime knows: an IANA name (`Europe/Berlin`, `America/New_York`), `UTC`, or
 * an alias ICU keeps (`US/Eastern`). For config checks, so a misspelt zone stops a start instead of each document.
 */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
