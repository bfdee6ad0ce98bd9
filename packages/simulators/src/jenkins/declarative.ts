/**
 * A minimal stand-in for `pipeline-model-converter/validate`: it checks the
 * Declarative skeleton (a `pipeline` block with `agent` and `stages`, at least
 * one `stage`, balanced braces) and words errors the way Jenkins does
 * (`WorkflowScript: <line>: … @ line <l>, column <c>.`). It is not Jenkins'
 * validator: step names, options and Groovy syntax are not checked.
 */

function stripComments(src: string): string {
  return src
    .replace(/\/\*[\s\S]*?\*\//g, m => m.replace(/[^\n]/g, ' '))
    .replace(/\/\/[^\n]*/g, m => ' '.repeat(m.length));
}

function stripStrings(src: string): string {
  return src
    .replace(/'''[\s\S]*?'''|"""[\s\S]*?"""/g, m => m.replace(/[^\n]/g, ' '))
    .replace(/'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"/g, m =>
      ' '.repeat(m.length),
    );
}

function position(src: string, index: number) {
  const before = src.slice(0, index);
  const line = before.split('\n').length;
  const column = index - before.lastIndexOf('\n');
  return { line, column };
}

export function validateJenkinsfile(source: string): string[] {
  const code = stripStrings(stripComments(source));
  const errors: string[] = [];
  let depth = 0;
  for (let i = 0; i < code.length; i++) {
    if (code[i] === '{') depth++;
    if (code[i] === '}') {
      depth--;
      if (depth < 0) {
        const { line, column } = position(code, i);
        return [
          `WorkflowScript: ${line}: unexpected token: } @ line ${line}, column ${column}.`,
        ];
      }
    }
  }
  if (depth > 0) {
    const { line, column } = position(code, code.length);
    return [
      `WorkflowScript: ${line}: expecting '}', found '' @ line ${line}, column ${column}.`,
    ];
  }
  const pipeline = /\bpipeline\s*\{/.exec(code);
  if (!pipeline) {
    return ["Jenkinsfile content did not contain the 'pipeline' step"];
  }
  const at = position(code, pipeline.index);
  if (!/\bagent\b/.test(code)) {
    errors.push(
      `WorkflowScript: ${at.line}: Missing required section "agent" @ line ${at.line}, column ${at.column}.`,
    );
  }
  const stages = /\bstages\s*\{/.exec(code);
  if (!stages) {
    errors.push(
      `WorkflowScript: ${at.line}: Missing required section "stages" @ line ${at.line}, column ${at.column}.`,
    );
  } else if (!/\bstage\s*\(/.test(code)) {
    const s = position(code, stages.index);
    errors.push(
      `WorkflowScript: ${s.line}: No stages specified @ line ${s.line}, column ${s.column}.`,
    );
  }
  return errors;
}
