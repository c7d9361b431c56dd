/**
 * What the operator's commands say on their terminal. This is the command's answer to the
 * person who typed it, not a log line: results on standard output, failures on standard error.
 */
export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

export function complain(line: string): void {
  process.stderr.write(`${line}\n`);
}
