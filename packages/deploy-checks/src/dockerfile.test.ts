/**
 * deploy/Dockerfile without building it (no Docker daemon here): parsed and
 * syntax-checked, then held against the repo it copies from, its build
 * context filter, and the Deployment that runs the image.
 */
import { kubeBinaries } from '@internal/test-env';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import {
  ImageFacts,
  inBuildContext,
  parseDockerignore,
  readDockerfile,
} from './dockerfile';
import { renderOverlay } from './kustomize';
import {
  Container,
  PodSpec,
  configArgs,
  nodeCommand,
  one,
  podSpecOf,
} from './manifests';
import { deployDir, repoRoot } from './paths';

jest.setTimeout(60_000);

/** Files `backstage-cli package build` writes for a package of role `backend`. */
const BACKEND_BUILD_OUTPUTS = [
  'packages/backend/dist/skeleton.tar.gz',
  'packages/backend/dist/bundle.tar.gz',
];

let image: ImageFacts;
let dockerignore: ReturnType<typeof parseDockerignore>;
let pod: PodSpec;
let backend: Container;

beforeAll(async () => {
  image = readDockerfile(
    fs.readFileSync(path.join(deployDir(), 'Dockerfile'), 'utf8'),
  );
  dockerignore = parseDockerignore(
    fs.readFileSync(path.join(deployDir(), 'Dockerfile.dockerignore'), 'utf8'),
  );
  const { objects } = await renderOverlay(
    kubeBinaries().kubectl,
    path.join(deployDir(), 'kustomize'),
    'overlays/production',
  );
  pod = podSpecOf(one(objects, 'Deployment', 'mlops-portal'));
  backend = pod.containers.find(c => c.name === 'backend')!;
});

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap(e =>
      e.isDirectory()
        ? filesUnder(path.join(dir, e.name))
        : [path.join(dir, e.name)],
    );
}

/** `backend.listen` of an app-config: `{port}` or `':7007'` / `'host:7007'`. */
function listenPort(file: string): number | undefined {
  const doc = YAML.parse(fs.readFileSync(file, 'utf8')) as {
    backend?: { listen?: string | { port?: number } };
  };
  const listen = doc?.backend?.listen;
  if (typeof listen === 'string') return Number(listen.split(':').pop());
  return listen?.port;
}

describe('deploy/Dockerfile', () => {
  it('has no syntax error and builds on Node 22, which the repo supports', () => {
    expect(image.syntaxErrors).toEqual([]);
    expect(image.base).toBe('node:22-bookworm-slim');
    const rootPackage = JSON.parse(
      fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8'),
    ) as { engines: { node: string } };
    expect(rootPackage.engines.node.split('||').map(s => s.trim())).toContain(
      '22',
    );
    expect(image.env.NODE_ENV).toBe('production');
  });

  it("runs as the image's non-root node user, the uid the Deployment enforces", () => {
    expect(['root', '0', '0:0']).not.toContain(image.user);
    expect(image.user).toBe('node');
    // uid/gid 1000 is `node` in the official node images
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
    });
  });

  it('exposes the port the configs listen on and the Deployment declares', () => {
    expect(image.exposedPorts).toEqual([7007]);
    expect(backend.ports!.map(p => p.containerPort)).toEqual(
      image.exposedPorts,
    );
    for (const file of ['app-config.yaml', 'app-config.production.yaml']) {
      expect(`${file}: ${listenPort(path.join(repoRoot(), file))}`).toBe(
        `${file}: 7007`,
      );
    }
  });

  it('starts the backend with config files that exist in the repo and are copied next to it', () => {
    const cmd = nodeCommand(image.cmd ?? []);
    expect([cmd.program, cmd.script]).toEqual(['node', 'packages/backend']);
    const configs = configArgs(cmd.args);
    expect(configs).toEqual(['app-config.yaml', 'app-config.production.yaml']);
    const { copies, workdir } = image;
    for (const file of configs) {
      expect(fs.existsSync(path.join(repoRoot(), file))).toBe(true);
      const copied = copies.some(
        c =>
          c.destination === workdir && !c.fromStage && c.sources.includes(file),
      );
      expect(`${file} copied to ${workdir}: ${copied}`).toBe(
        `${file} copied to ${workdir}: true`,
      );
    }
  });

  it("the Deployment's --config files are in the image or mounted into the pod", () => {
    const { copies, workdir } = image;
    const mounts = backend.volumeMounts ?? [];
    const whereFrom = (file: string) => {
      if (path.isAbsolute(file)) {
        const mount = mounts.find(m =>
          file.startsWith(`${m.mountPath.replace(/\/+$/, '')}/`),
        );
        return mount ? `volume ${mount.name}` : 'nowhere';
      }
      return copies.some(
        c => c.destination === workdir && c.sources.includes(file),
      )
        ? 'image'
        : 'nowhere';
    };
    expect(
      configArgs(backend.args ?? []).map(f => `${f}: ${whereFrom(f)}`),
    ).toEqual([
      'app-config.yaml: image',
      '/etc/mlops-portal/app-config.production.yaml: volume config',
    ]);
    // the same program as the image's CMD
    const deployed = nodeCommand(backend.args ?? []);
    const cmd = nodeCommand(image.cmd ?? []);
    expect([deployed.program, deployed.script]).toEqual([
      cmd.program,
      cmd.script,
    ]);
  });

  it("runs node with the same flags in the image and the Deployment, flags this Node accepts (not NODE_OPTIONS' subset)", () => {
    const deployed = nodeCommand(backend.args ?? []).nodeFlags;
    expect(deployed).toEqual(nodeCommand(image.cmd ?? []).nodeFlags);
    expect(deployed).toContain('--heap-growing-percent=30');
    expect(deployed).toContain('--max-semi-space-size=8');
    // A flag node rejects would keep every pod from starting.
    const run = spawnSync(process.execPath, [...deployed, '-e', '0'], {
      encoding: 'utf8',
    });
    expect(`exit ${run.status} ${run.stderr}`.trim()).toBe('exit 0');
    const typo = spawnSync(
      process.execPath,
      ['--heap-growing-procent=50', '-e', '0'],
      { encoding: 'utf8' },
    );
    expect(typo.status).not.toBe(0);
  });

  it('copies only what exists in the repo or what the backend build writes, and its context filter lets exactly that through', () => {
    const backendPackage = JSON.parse(
      fs.readFileSync(
        path.join(repoRoot(), 'packages/backend/package.json'),
        'utf8',
      ),
    ) as { backstage: { role: string }; scripts: { build: string } };
    expect(backendPackage.backstage.role).toBe('backend');
    expect(backendPackage.scripts.build).toBe('backstage-cli package build');

    const sources = image.copies.flatMap(c => c.sources);
    const patterns = dockerignore;
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      const exists =
        fs.existsSync(path.join(repoRoot(), source)) ||
        BACKEND_BUILD_OUTPUTS.includes(source);
      expect(`${source} exists: ${exists}`).toBe(`${source} exists: true`);
      // a folder is sent when files in it are: take its files as the probes
      const full = path.join(repoRoot(), source);
      const probes =
        fs.existsSync(full) && fs.statSync(full).isDirectory()
          ? filesUnder(full).map(f => path.relative(repoRoot(), f))
          : [source];
      const sent = probes.filter(p => inBuildContext(patterns, p));
      expect(
        `${source}: ${sent.length} of ${probes.length} files sent`,
      ).not.toMatch(/: 0 of/);
    }
    for (const notSent of [
      '.cache/kube/bin/kube-apiserver',
      'node_modules/react/index.js',
      '.yarn/cache/x.zip',
      '.yarn/install-state.gz',
      'app-config.local.yaml',
      '.git/HEAD',
      'deploy/kustomize/overlays/production/secrets.env',
      'packages/backend/src/index.ts',
    ]) {
      expect(`${notSent} sent: ${inBuildContext(dockerignore, notSent)}`).toBe(
        `${notSent} sent: false`,
      );
    }
  });
});

describe('the build context filter', () => {
  it("follows Docker's rules: last match wins, a parent folder's match counts", () => {
    const patterns = parseDockerignore('*\n!.yarn/releases\n# comment\n');
    expect(inBuildContext(patterns, '.yarn/releases/yarn-4.13.0.cjs')).toBe(
      true,
    );
    expect(inBuildContext(patterns, '.yarn/cache/a.zip')).toBe(false);
    expect(inBuildContext(patterns, 'package.json')).toBe(false);
    const nested = parseDockerignore('**/*.local.yaml\n');
    expect(inBuildContext(nested, 'a/b/app-config.local.yaml')).toBe(false);
    expect(inBuildContext(nested, 'app-config.yaml')).toBe(true);
  });
});
