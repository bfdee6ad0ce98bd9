import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

interface DeploymentDoc {
  kind?: string;
  spec?: {
    template?: {
      spec?: { containers?: Array<{ name?: string; args?: string[] }> };
    };
  };
}

/**
 * The flags our Deployment gives node (`deploy/kustomize/base/deployment.yaml`,
 * container `backend`: the options between `node` and the script). Every
 * backend of the benchmark runs with them, so RSS and latency are those of
 * the portal as deployed, and the baseline gets the same runtime.
 */
export function deployedNodeFlags(repoRoot: string): string[] {
  const file = path.join(
    repoRoot,
    'deploy',
    'kustomize',
    'base',
    'deployment.yaml',
  );
  const docs = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map(
    d => d.toJS() as DeploymentDoc,
  );
  const args = docs
    .find(d => d?.kind === 'Deployment')
    ?.spec?.template?.spec?.containers?.find(c => c.name === 'backend')?.args;
  if (!args || args[0] !== 'node')
    throw new Error(`${file}: the backend container does not run node`);
  const script = args.findIndex((a, i) => i > 0 && !a.startsWith('-'));
  return args.slice(1, script < 0 ? undefined : script);
}
