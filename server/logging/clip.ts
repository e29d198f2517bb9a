/** Client-supplied strings are bounded before they reach a log line: a 4 MB method name must not make a 4 MB line. */
export function clip(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max)}…[${value.length - max} more]`;
}
