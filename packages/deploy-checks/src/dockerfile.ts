/**
 * What an image built from a Dockerfile will be, read without building it:
 * the Dockerfile parsed by `dockerfile-ast` (the parser of Docker's VS Code
 * language server), syntax-checked by `dockerfile-utils`, and its build
 * context filtered by a `.dockerignore` the way Docker filters it.
 */
import { DockerfileParser, Instruction, JSONInstruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import path from 'node:path';

/** Diagnostic severity "Error" in the language server protocol. */
const SEVERITY_ERROR = 1;

export interface ImageCopy {
  line: number;
  /** context-relative sources */
  sources: string[];
  /** destination, absolute (resolved against WORKDIR) */
  destination: string;
  /** `--from=<stage>`: copies from another stage, not from the context */
  fromStage?: string;
}

export interface ImageFacts {
  /** base image of the final stage */
  base: string;
  /** user of the final stage's CMD (`root` when no USER) */
  user: string;
  /** final WORKDIR (absolute) */
  workdir: string;
  exposedPorts: number[];
  /** exec-form CMD of the final stage, or undefined (shell form / none) */
  cmd?: string[];
  copies: ImageCopy[];
  /** ENV of the final stage */
  env: Record<string, string>;
  /** syntax errors reported by dockerfile-utils */
  syntaxErrors: string[];
}

const lineOf = (i: Instruction) => i.getRange().start.line + 1;

/** Reads what the final stage of the Dockerfile produces. */
export function readDockerfile(text: string): ImageFacts {
  const syntaxErrors = validate(text)
    .filter(d => d.severity === SEVERITY_ERROR)
    .map(d => `line ${d.range.start.line + 1}: ${d.message}`);
  const dockerfile = DockerfileParser.parse(text);
  const instructions = dockerfile.getInstructions();
  const lastFrom = [...instructions]
    .reverse()
    .find(i => i.getKeyword() === 'FROM');
  const finalStage = lastFrom
    ? instructions.slice(instructions.indexOf(lastFrom))
    : instructions;

  let user = 'root';
  let workdir = '/';
  const exposedPorts: number[] = [];
  let cmd: string[] | undefined;
  const copies: ImageCopy[] = [];
  const env: Record<string, string> = {};
  for (const instruction of finalStage) {
    const args = instruction.getArguments().map(a => a.getValue());
    switch (instruction.getKeyword()) {
      case 'USER':
        user = args[0] ?? user;
        break;
      case 'WORKDIR':
        workdir = path.posix.resolve(workdir, args[0] ?? '.');
        break;
      case 'EXPOSE':
        for (const a of args) exposedPorts.push(Number(a.split('/')[0]));
        break;
      case 'ENV': {
        const [name, ...rest] = (instruction.getArgumentsContent() ?? '').split(
          '=',
        );
        if (rest.length) env[name.trim()] = rest.join('=').trim();
        break;
      }
      case 'CMD': {
        const json = (instruction as JSONInstruction).getJSONStrings();
        cmd = json.length ? json.map(s => s.getJSONValue()) : undefined;
        break;
      }
      case 'COPY':
      case 'ADD': {
        const flags = (
          instruction as unknown as {
            getFlags(): { getName(): string; getValue(): string | null }[];
          }
        ).getFlags();
        const from = flags.find(f => f.getName() === 'from');
        const paths = args.filter(a => !a.startsWith('--'));
        const destination = paths[paths.length - 1] ?? '.';
        copies.push({
          line: lineOf(instruction),
          sources: paths.slice(0, -1),
          destination: path.posix.resolve(workdir, destination),
          ...(from ? { fromStage: from.getValue() ?? '' } : {}),
        });
        break;
      }
      default:
        break;
    }
  }
  return {
    base: lastFrom?.getArguments()[0]?.getValue() ?? '',
    user,
    workdir,
    exposedPorts,
    cmd,
    copies,
    env,
    syntaxErrors,
  };
}

/** One `.dockerignore` line as Docker reads it (comments and blanks dropped). */
interface IgnorePattern {
  exclusion: boolean;
  regex: RegExp;
}

/** Docker's pattern syntax (Go's filepath.Match plus `**`) as a regular expression. */
function patternRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') i++;
        re += '.*';
      } else re += '[^/]*';
    } else if (ch === '?') re += '[^/]';
    else if (ch === '\\' && i + 1 < pattern.length) {
      i++;
      re += pattern[i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function parseDockerignore(text: string): IgnorePattern[] {
  return text
    .split('\n')
    .map(l => l.trim())
    .filter(l => l && !l.startsWith('#'))
    .map(l => {
      const exclusion = l.startsWith('!');
      const cleaned = path.posix
        .normalize((exclusion ? l.slice(1) : l).trim())
        .replace(/^\/+/, '')
        .replace(/\/+$/, '');
      return { exclusion, regex: patternRegex(cleaned) };
    });
}

/**
 * Whether a context-relative path is sent to the builder: the last pattern
 * matching the path or one of its parent folders decides (Docker's rule).
 */
export function inBuildContext(
  patterns: IgnorePattern[],
  file: string,
): boolean {
  const parts = path.posix.normalize(file).split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let excluded = false;
  for (const p of patterns) {
    if (candidates.some(c => p.regex.test(c))) excluded = !p.exclusion;
  }
  return !excluded;
}
