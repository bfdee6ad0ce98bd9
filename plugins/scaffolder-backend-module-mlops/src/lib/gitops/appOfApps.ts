import fs from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '@backstage/errors';
import yaml from 'yaml';

/** What a generated app contributes to an app-of-apps repository. */
export interface AppSource {
  /** Workspace folder whose contents are copied into the repository root. */
  sourceDir: string;
  /** Repository-relative files the copy creates (POSIX separators). */
  files: string[];
  /** `<appsPath>/<appName>` */
  appDir: string;
  /** The child Application manifest (`<appDir>/application.yaml`) as written by the template. */
  applicationYaml: string;
}

/**
 * Reads and checks the generated app in the workspace: `<sourceDir>/<appsPath>/<appName>/application.yaml`
 * must exist and be an Argo CD Application named `appName`.
 */
export async function readAppSource(
  sourceDir: string,
  appsPath: string,
  appName: string,
): Promise<AppSource> {
  const appDir = `${appsPath}/${appName}`;
  const manifestPath = path.join(sourceDir, appDir, 'application.yaml');
  let applicationYaml: string;
  try {
    applicationYaml = await fs.readFile(manifestPath, 'utf8');
  } catch {
    throw new InputError(
      `The workspace has no ${appDir}/application.yaml under the source path; render the GitOps skeleton there first`,
    );
  }
  checkApplication(applicationYaml, appName, `${appDir}/application.yaml`);
  const entries = await fs.readdir(sourceDir, {
    recursive: true,
    withFileTypes: true,
  });
  const files = entries
    .filter(e => e.isFile())
    .map(e =>
      path
        .relative(sourceDir, path.join(e.parentPath, e.name))
        .split(path.sep)
        .join('/'),
    )
    .filter(f => f !== '.git' && !f.startsWith('.git/'))
    .sort();
  return { sourceDir, files, appDir, applicationYaml };
}

function checkApplication(text: string, appName: string, where: string): void {
  let doc: unknown;
  try {
    doc = yaml.parse(text);
  } catch (e) {
    throw new InputError(`${where} is not valid YAML: ${(e as Error).message}`);
  }
  const app = (doc ?? {}) as {
    apiVersion?: unknown;
    kind?: unknown;
    metadata?: { name?: unknown };
  };
  if (
    typeof app.apiVersion !== 'string' ||
    !app.apiVersion.startsWith('argoproj.io/') ||
    app.kind !== 'Application'
  ) {
    throw new InputError(
      `${where} is not an Argo CD Application (argoproj.io/v1alpha1, kind Application)`,
    );
  }
  if (app.metadata?.name !== appName) {
    throw new InputError(
      `${where} names the Application "${String(
        app.metadata?.name,
      )}", expected "${appName}"`,
    );
  }
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

/**
 * Checks a checkout of the app-of-apps repository before anything is
 * written: the parent folder must exist, and unless `allowUpdate` nothing of
 * the app may be there yet (no overwrites).
 */
export async function checkCheckout(options: {
  repoDir: string;
  source: AppSource;
  parentAppPath: string;
  applicationPath: string;
  allowUpdate: boolean;
}): Promise<{ updating: boolean }> {
  const { repoDir, source, parentAppPath, applicationPath, allowUpdate } =
    options;
  const parent = await fs
    .stat(path.join(repoDir, parentAppPath))
    .catch(() => undefined);
  if (!parent?.isDirectory()) {
    throw new InputError(
      `The GitOps repository has no folder ${parentAppPath}/ (the folder the parent Application watches); check parentAppPath`,
    );
  }
  const appExists = await exists(path.join(repoDir, source.appDir));
  const manifestExists = await exists(path.join(repoDir, applicationPath));
  if (allowUpdate) return { updating: appExists || manifestExists };
  if (appExists) {
    throw new InputError(
      `${source.appDir} already exists in the GitOps repository; refusing to overwrite it (set allowUpdate: true to replace it)`,
    );
  }
  if (manifestExists) {
    throw new InputError(
      `${applicationPath} already exists in the GitOps repository; refusing to overwrite it (set allowUpdate: true to replace it)`,
    );
  }
  for (const file of source.files) {
    if (await exists(path.join(repoDir, file))) {
      throw new InputError(
        `${file} already exists in the GitOps repository; refusing to overwrite it (set allowUpdate: true to replace it)`,
      );
    }
  }
  return { updating: false };
}

/**
 * Writes the app into a checkout: replaces `<appsPath>/<appName>` with the
 * workspace copy, copies the rest of the source folder, and writes the child
 * Application to `applicationPath` in the parent's folder.
 */
export async function writeApp(options: {
  repoDir: string;
  source: AppSource;
  applicationPath: string;
}): Promise<void> {
  const { repoDir, source, applicationPath } = options;
  await fs.rm(path.join(repoDir, source.appDir), {
    recursive: true,
    force: true,
  });
  for (const file of source.files) {
    const target = path.join(repoDir, file);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.copyFile(path.join(source.sourceDir, file), target);
  }
  await fs.writeFile(
    path.join(repoDir, applicationPath),
    source.applicationYaml,
    'utf8',
  );
}
