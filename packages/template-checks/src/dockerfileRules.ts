/**
 * Our Dockerfile rules for generated model services. The Dockerfile is
 * parsed by `dockerfile-ast` (the parser behind the Docker VS Code language
 * server) and syntax-checked by `dockerfile-utils`' validator; the rules
 * themselves are ours:
 *
 * - `syntax`: the validator reports no error (unknown instruction, missing
 *   arguments, bad flags, ...).
 * - `pinned-base`: every `FROM` that is not an earlier build stage or
 *   `scratch` names an explicit tag other than `latest`, or a digest.
 * - `non-root-user`: the final stage switches to a user other than root
 *   (`root`, `0`) before its `CMD`/`ENTRYPOINT`.
 * - `no-secrets`: no `ARG`/`ENV` whose name looks like a secret carries a
 *   value, and no `COPY`/`ADD` copies a `.env` file or an SSH private key.
 * - `healthcheck`: when the runtime has a health endpoint, the final stage
 *   has a `HEALTHCHECK` that is not `NONE`.
 */
import { Dockerfile, DockerfileParser, Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';

export type DockerfileRule =
  | 'syntax'
  | 'pinned-base'
  | 'non-root-user'
  | 'no-secrets'
  | 'healthcheck';

export interface DockerfileProblem {
  rule: DockerfileRule;
  /** 1-based line of the offending instruction (0 when not tied to a line) */
  line: number;
  message: string;
}

export interface DockerfileRuleOptions {
  /** the runtime serves a health endpoint, so the image must declare a HEALTHCHECK */
  requireHealthcheck: boolean;
}

const SECRET_NAME = /(PASSWORD|PASSWD|TOKEN|SECRET|API_?KEY|PRIVATE_?KEY)/i;
const SECRET_FILE =
  /(^|\/)(\.env(\.[^/]*)?|id_(rsa|dsa|ecdsa|ed25519)|\.netrc)$/i;
/** Diagnostic severity "Error" in the language server protocol. */
const SEVERITY_ERROR = 1;

const lineOf = (instruction: Instruction) =>
  instruction.getRange().start.line + 1;

/** Splits the instructions into build stages, each starting at a FROM. */
function stages(dockerfile: Dockerfile): Instruction[][] {
  const result: Instruction[][] = [];
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    if (keyword === 'FROM') result.push([instruction]);
    else if (result.length) result[result.length - 1].push(instruction);
  }
  return result;
}

/** Replaces `$X`, `${X}`, `${X:-d}` with the global ARG defaults. */
function substituteGlobalArgs(text: string, dockerfile: Dockerfile): string {
  const defaults = new Map<string, string>();
  for (const arg of dockerfile.getInitialARGs()) {
    const property = arg.getProperty();
    const value = property?.getValue();
    if (property && value !== null && value !== undefined) {
      defaults.set(property.getName(), value);
    }
  }
  return text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (
      _match,
      braced: string | undefined,
      fallback: string | undefined,
      bare: string | undefined,
    ) => {
      const name = (braced ?? bare) as string;
      return defaults.get(name) ?? fallback ?? '';
    },
  );
}

/** `registry/path:tag@sha256:...` → its tag and digest (either may be missing). */
export function parseImageReference(ref: string): {
  name: string;
  tag?: string;
  digest?: string;
} {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  let tag: string | undefined;
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { name: rest, tag: tag || undefined, digest: digest || undefined };
}

function checkBases(dockerfile: Dockerfile, problems: DockerfileProblem[]) {
  const stageNames = new Set<string>();
  for (const from of dockerfile.getFROMs()) {
    const raw = from.getImage() ?? '';
    const image = substituteGlobalArgs(raw, dockerfile);
    const stage = from.getBuildStage();
    const line = lineOf(from);
    if (
      image.toLowerCase() === 'scratch' ||
      stageNames.has(image.toLowerCase())
    ) {
      // an earlier stage of this Dockerfile, pinned where it was defined
    } else {
      const { tag, digest } = parseImageReference(image);
      const shown = raw === image ? `"${raw}"` : `"${raw}" (= "${image}")`;
      if (digest) {
        if (!/^sha256:[a-f0-9]{64}$/.test(digest)) {
          problems.push({
            rule: 'pinned-base',
            line,
            message: `FROM ${shown} has a malformed digest`,
          });
        }
      } else if (!tag) {
        problems.push({
          rule: 'pinned-base',
          line,
          message: `FROM ${shown} has no tag or digest: pin the base image`,
        });
      } else if (tag.toLowerCase() === 'latest') {
        problems.push({
          rule: 'pinned-base',
          line,
          message: `FROM ${shown} uses the moving tag "latest": pin a version or a digest`,
        });
      }
    }
    if (stage) stageNames.add(stage.toLowerCase());
  }
}

function isRootUser(user: string): boolean {
  const name = user.split(':')[0].trim();
  return name === 'root' || name === '0' || name === '';
}

function checkUser(
  dockerfile: Dockerfile,
  finalStage: Instruction[],
  problems: DockerfileProblem[],
) {
  const starts = finalStage.filter(i =>
    ['CMD', 'ENTRYPOINT'].includes(i.getKeyword()),
  );
  const lastStart = starts[starts.length - 1];
  const limit = lastStart ? lineOf(lastStart) : Number.MAX_SAFE_INTEGER;
  const users = finalStage.filter(
    i => i.getKeyword() === 'USER' && lineOf(i) < limit,
  );
  const user = users[users.length - 1];
  const where = lastStart
    ? `before ${lastStart.getKeyword()} on line ${lineOf(lastStart)}`
    : 'in the final stage';
  if (!user) {
    problems.push({
      rule: 'non-root-user',
      line: lastStart ? lineOf(lastStart) : 0,
      message: `no USER ${where}: the container would run as root`,
    });
    return;
  }
  const raw = user.getArgumentsContent() ?? '';
  const resolved = raw.replace(
    /\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g,
    (_m, name: string) =>
      dockerfile.resolveVariable(name, user.getRange().start.line) ?? '',
  );
  if (isRootUser(resolved)) {
    problems.push({
      rule: 'non-root-user',
      line: lineOf(user),
      message: `USER "${raw}" ${where} is root: run as an unprivileged user`,
    });
  }
}

function checkSecrets(dockerfile: Dockerfile, problems: DockerfileProblem[]) {
  const properties = [
    ...dockerfile.getARGs().map(arg => ({
      instruction: arg as Instruction,
      props: arg.getProperty() ? [arg.getProperty()!] : [],
    })),
    ...dockerfile.getENVs().map(env => ({
      instruction: env as Instruction,
      props: env.getProperties(),
    })),
  ];
  for (const { instruction, props } of properties) {
    for (const property of props) {
      const value = property.getValue();
      if (SECRET_NAME.test(property.getName()) && value) {
        problems.push({
          rule: 'no-secrets',
          line: lineOf(instruction),
          message: `${instruction.getKeyword()} ${property.getName()} bakes a secret value into the image: pass it at run time (a Kubernetes Secret) or as a build secret`,
        });
      }
    }
  }
  for (const instruction of dockerfile.getInstructions()) {
    if (!['COPY', 'ADD'].includes(instruction.getKeyword())) continue;
    const args = instruction
      .getArguments()
      .map(a => a.getValue())
      .filter(a => !a.startsWith('--'));
    for (const source of args.slice(0, -1)) {
      const cleaned = source.replace(/^\[?"?|"?,?\]?$/g, '');
      if (SECRET_FILE.test(cleaned)) {
        problems.push({
          rule: 'no-secrets',
          line: lineOf(instruction),
          message: `${instruction.getKeyword()} copies "${cleaned}" into the image: never ship credentials in an image`,
        });
      }
    }
  }
}

function checkHealthcheck(
  finalStage: Instruction[],
  problems: DockerfileProblem[],
) {
  const healthchecks = finalStage.filter(i => i.getKeyword() === 'HEALTHCHECK');
  const last = healthchecks[healthchecks.length - 1];
  if (!last) {
    problems.push({
      rule: 'healthcheck',
      line: 0,
      message:
        'no HEALTHCHECK in the final stage although the runtime has a health endpoint',
    });
  } else if (
    (last.getArgumentsContent() ?? '').trim().toUpperCase() === 'NONE'
  ) {
    problems.push({
      rule: 'healthcheck',
      line: lineOf(last),
      message:
        'HEALTHCHECK NONE disables the health check although the runtime has a health endpoint',
    });
  }
}

/** Checks one Dockerfile; returns every problem found (empty when it passes). */
export function checkDockerfile(
  content: string,
  options: DockerfileRuleOptions,
): DockerfileProblem[] {
  const problems: DockerfileProblem[] = [];
  for (const diagnostic of validate(content)) {
    if (diagnostic.severity === SEVERITY_ERROR) {
      problems.push({
        rule: 'syntax',
        line: diagnostic.range.start.line + 1,
        message:
          typeof diagnostic.message === 'string'
            ? diagnostic.message
            : diagnostic.message.value,
      });
    }
  }
  const dockerfile = DockerfileParser.parse(content);
  const allStages = stages(dockerfile);
  if (!allStages.length) {
    problems.push({ rule: 'syntax', line: 0, message: 'no FROM instruction' });
    return problems;
  }
  const finalStage = allStages[allStages.length - 1];
  checkBases(dockerfile, problems);
  checkUser(dockerfile, finalStage, problems);
  checkSecrets(dockerfile, problems);
  if (options.requireHealthcheck) checkHealthcheck(finalStage, problems);
  return problems;
}

/** One line per problem, for assertion messages. */
export function formatDockerfileProblems(
  file: string,
  problems: DockerfileProblem[],
): string {
  return problems
    .map(p => `${file}:${p.line} [${p.rule}] ${p.message}`)
    .join('\n');
}
