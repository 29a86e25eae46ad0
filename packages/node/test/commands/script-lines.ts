/**
 * Commands written one per line, split like a shell line: words separated by spaces, with
 * "double quotes" for empty strings or words containing spaces. Keeps long comparison scripts
 * readable (the same format /work/shared/tools/rediff reads).
 */
export function commandsOf(text: string): string[][] {
  const commands: string[][] = [];
  for (const line of text.split('\n')) {
    const words = [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
    if (words.length > 0) commands.push(words);
  }
  return commands;
}
