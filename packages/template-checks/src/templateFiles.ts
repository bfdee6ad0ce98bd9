/**
 * Reading a template folder the way the scaffolder's dry-run API wants it
 * (`{ path, base64Content }` for every file) and writing dry-run results
 * back to disk.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

export interface SerializedFile {
  path: string;
  base64Content: string;
  executable?: boolean;
}

/** A v1beta3 Template entity as read from template.yaml (only what we use is typed). */
export interface TemplateEntity {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  spec: {
    parameters?: ParameterPage | ParameterPage[];
    steps: {
      id?: string;
      action: string;
      if?: unknown;
      input?: Record<string, unknown>;
    }[];
    [key: string]: unknown;
  };
}

export interface ParameterPage {
  required?: string[];
  properties?: Record<string, ParameterSchema>;
  dependencies?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface ParameterSchema {
  type?: string;
  default?: unknown;
  enum?: unknown[];
  [key: string]: unknown;
}

/**
 * The monorepo root: the first folder with both `templates/` and `packages/`,
 * from the working directory up (jest runs in the package or the repo root).
 */
export function repoRoot(start: string = process.cwd()): string {
  let dir = path.resolve(start);
  for (;;) {
    if (
      fs.existsSync(path.join(dir, 'templates')) &&
      fs.existsSync(path.join(dir, 'packages'))
    ) {
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error(`no repo root (templates/ + packages/) above ${start}`);
    dir = parent;
  }
}

/** `templates/<name>` of the repo, or of TEMPLATE_CHECKS_TEMPLATES (to check a copy). */
export function templateDir(name: string): string {
  return path.join(
    process.env.TEMPLATE_CHECKS_TEMPLATES || path.join(repoRoot(), 'templates'),
    name,
  );
}

export function readTemplate(dir: string): TemplateEntity {
  const file = path.join(dir, 'template.yaml');
  const entity = YAML.parse(fs.readFileSync(file, 'utf8')) as TemplateEntity;
  if (entity?.kind !== 'Template')
    throw new Error(`${file} is not a Template entity`);
  return entity;
}

function walk(root: string, dir = root): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...walk(root, full));
    else if (entry.isFile()) files.push(full);
  }
  return files.sort();
}

/** Every file under `dir`, as the dry-run API's `directoryContents`. */
export function serializeDirectory(dir: string): SerializedFile[] {
  return walk(dir).map(file => ({
    path: path.relative(dir, file).split(path.sep).join('/'),
    base64Content: fs.readFileSync(file).toString('base64'),
  }));
}

/** The dry-run result as a map from path to text. */
export function decodeFiles(files: SerializedFile[]): Map<string, string> {
  return new Map(
    files.map(f => [
      f.path,
      Buffer.from(f.base64Content, 'base64').toString('utf8'),
    ]),
  );
}

/** Writes a dry-run's files under `dir`. */
export function writeFiles(
  files: Map<string, string>,
  dir: string,
  prefix = '',
): void {
  for (const [file, content] of files) {
    if (!file.startsWith(prefix)) continue;
    const target = path.join(dir, file.slice(prefix.length));
    if (!path.resolve(target).startsWith(path.resolve(dir) + path.sep)) {
      throw new Error(`refusing to write outside ${dir}: ${file}`);
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
}

export function parameterPages(template: TemplateEntity): ParameterPage[] {
  return [template.spec.parameters ?? []].flat();
}

/** The form's defaults (what the frontend sends for fields the user leaves alone). */
export function parameterDefaults(
  template: TemplateEntity,
): Record<string, unknown> {
  const defaults: Record<string, unknown> = {};
  for (const page of parameterPages(template)) {
    for (const [name, schema] of Object.entries(page.properties ?? {})) {
      if (schema.default !== undefined) defaults[name] = schema.default;
    }
  }
  return defaults;
}
