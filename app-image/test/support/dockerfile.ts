/**
 * A small Dockerfile and .dockerignore reader, enough to check the image's
 * structure without a Docker engine.
 *
 * @packageDocumentation
 */

/** One instruction, continuation lines joined. */
export interface Instruction {
  /** Upper-cased keyword, e.g. `COPY`. */
  keyword: string;
  /** Everything after the keyword. */
  rest: string;
  /** 1-based line where it starts. */
  line: number;
}

/** A build stage: its FROM and the instructions after it. */
export interface Stage {
  /** Image reference after FROM. */
  image: string;
  /** Name given with `AS`, if any. */
  name: string | undefined;
  /** Instructions of the stage, FROM excluded. */
  instructions: Instruction[];
}

/**
 * Parses a Dockerfile into stages.
 *
 * @param text - Dockerfile contents
 */
export function parseDockerfile(text: string): Stage[] {
  const instructions: Instruction[] = [];
  let current: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (current === undefined && (/^\s*#/.test(line) || line.trim() === '')) return;
    if (current !== undefined && /^\s*#/.test(line)) return;
    const continued = /\\\s*$/.test(line);
    const piece = continued ? line.replace(/\\\s*$/, '') : line;
    current =
      current === undefined
        ? { text: piece.trim(), line: i + 1 }
        : { text: `${current.text} ${piece.trim()}`, line: current.line };
    if (!continued) {
      const match = /^(\S+)\s*(.*)$/.exec(current.text);
      if (match !== null)
        instructions.push({ keyword: (match[1] ?? '').toUpperCase(), rest: match[2] ?? '', line: current.line });
      current = undefined;
    }
  });
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const parts = ins.rest.split(/\s+/).filter((p) => !p.startsWith('--'));
      const asIndex = parts.findIndex((p) => p.toUpperCase() === 'AS');
      stages.push({ image: parts[0] ?? '', name: asIndex >= 0 ? parts[asIndex + 1] : undefined, instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (stage === undefined) {
        if (ins.keyword === 'ARG') continue;
        throw new Error(`line ${ins.line}: ${ins.keyword} before FROM`);
      }
      stage.instructions.push(ins);
    }
  }
  return stages;
}

/** Arguments of an instruction: JSON exec form or whitespace-separated words. */
export function instructionArgs(rest: string): string[] {
  const trimmed = rest.trim();
  if (trimmed.startsWith('[')) return JSON.parse(trimmed) as string[];
  return trimmed.split(/\s+/).filter((w) => w !== '');
}

/** Splits `COPY`/`ADD` arguments into flags, sources and destination. */
export function copyParts(rest: string): { flags: Record<string, string>; sources: string[]; dest: string } {
  const words = instructionArgs(rest);
  const flags: Record<string, string> = {};
  while (words[0]?.startsWith('--')) {
    const [k, v] = (words.shift() ?? '').slice(2).split('=', 2);
    flags[k ?? ''] = v ?? 'true';
  }
  const dest = words.pop();
  if (dest === undefined || words.length === 0) throw new Error(`COPY needs a source and a destination: ${rest}`);
  return { flags, sources: words, dest };
}

function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*' && pattern[i + 1] === '*') {
      re += '.*';
      i += 1;
      if (pattern[i + 1] === '/') i += 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * Builds a matcher for a .dockerignore: later lines win, `!` re-includes, and
 * a pattern that matches a directory excludes everything beneath it.
 *
 * @param text - .dockerignore contents
 * @returns a predicate on context-relative paths (forward slashes)
 */
export function dockerignoreMatcher(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = (negate ? l.slice(1) : l)
        .trim()
        .replace(/^\.?\//, '')
        .replace(/\/$/, '');
      return { negate, re: globToRegExp(pattern) };
    });
  return (path) => {
    const clean = path.replace(/^\.?\//, '').replace(/\/$/, '');
    const segments = clean.split('/');
    const prefixes = segments.map((_, i) => segments.slice(0, i + 1).join('/'));
    let ignored = false;
    for (const rule of rules) {
      if (prefixes.some((p) => rule.re.test(p))) ignored = !rule.negate;
    }
    return ignored;
  };
}
