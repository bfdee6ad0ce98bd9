/**
 * The portal's Kubernetes package, rendered by the real `kubectl kustomize`,
 * read the way Kubernetes resolves it: every reference must land on
 * something the package defines.
 */
import { startTestBackend } from '@backstage/backend-test-utils';
import { kubeBinaries } from '@internal/test-env';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import { KubeObject } from '@internal/test-env';
import { RenderedOverlay, renderOverlay } from './kustomize';
import {
  Container,
  LabelSelector,
  PolicyRule,
  configArgs,
  dataOf,
  find,
  mountedFile,
  one,
  podLabelsOf,
  podSpecOf,
  resolveContainerPort,
  rulesAllow,
  secretReferences,
  selects,
  specOf,
} from './manifests';
import { OVERLAYS, Overlay, deployDir } from './paths';
import { kubernetesPluginObjects, mlopsWatchedKinds } from './repoModules';

jest.setTimeout(60_000);

const NAMESPACE = 'mlops-portal';
const READ_VERBS = ['get', 'list', 'watch'];

const rendered = new Map<Overlay, RenderedOverlay>();

beforeAll(async () => {
  const { kubectl } = kubeBinaries();
  for (const overlay of OVERLAYS) {
    rendered.set(
      overlay,
      await renderOverlay(
        kubectl,
        path.join(deployDir(), 'kustomize'),
        overlay,
      ),
    );
  }
});

const objectsOf = (overlay: Overlay) => rendered.get(overlay)!.objects;
const deploymentOf = (objects: KubeObject[]) =>
  one(objects, 'Deployment', 'mlops-portal');
const backendOf = (objects: KubeObject[]): Container =>
  podSpecOf(deploymentOf(objects)).containers.find(c => c.name === 'backend')!;

describe.each(OVERLAYS)('%s', overlay => {
  it('renders with the real kubectl kustomize; every namespaced object lands in the overlay namespace', () => {
    // kubectl 1.20 embeds kustomize v2.0.3: the v4 forms the package uses are
    // rewritten in a temporary copy, and only these.
    for (const line of rendered.get(overlay)!.adaptations) {
      expect(line).toMatch(
        /: (resources .* → bases|patches .* → patchesStrategicMerge|secretGenerator mlops-portal-secrets: envs \[secrets\.env\] → env secrets\.env|secrets\.env is missing \(git-ignored\): rendered with secrets\.env\.example|replicas taken out, applied to the rendered objects)$/,
      );
    }
    const objects = objectsOf(overlay);
    const kinds = objects.map(o => o.kind);
    for (const kind of [
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
      'ConfigMap',
      'Secret',
      'Deployment',
      'Service',
      'Ingress',
      'PodDisruptionBudget',
    ]) {
      expect(kinds).toContain(kind);
    }
    const clusterScoped = ['ClusterRole', 'ClusterRoleBinding'];
    expect(
      objects.map(o => `${o.kind}/${o.metadata.name}: ${o.metadata.namespace}`),
    ).toEqual(
      objects.map(
        o =>
          `${o.kind}/${o.metadata.name}: ${
            clusterScoped.includes(o.kind) ? undefined : NAMESPACE
          }`,
      ),
    );
  });

  it('runs the overlay image tag with 3 replicas, rolling one pod at a time', () => {
    const deployment = deploymentOf(objectsOf(overlay));
    expect(specOf(deployment).replicas).toBe(3);
    expect(specOf(deployment).strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
    expect(backendOf(objectsOf(overlay)).image).toBe(
      'registry.example.com/platform/mlops-portal:1.0.0',
    );
  });

  it("probes call Backstage's health endpoints on the container port", () => {
    const backend = backendOf(objectsOf(overlay));
    expect(backend.ports).toEqual([
      { name: 'http', containerPort: 7007, protocol: 'TCP' },
    ]);
    expect(backend.readinessProbe?.httpGet?.path).toBe(
      '/.backstage/health/v1/readiness',
    );
    expect(backend.livenessProbe?.httpGet?.path).toBe(
      '/.backstage/health/v1/liveness',
    );
    for (const probe of [
      backend.readinessProbe,
      backend.livenessProbe,
      backend.startupProbe,
    ]) {
      expect(probe?.httpGet).toBeDefined();
      expect(resolveContainerPort(backend, probe!.httpGet!.port)).toBe(7007);
    }
  });

  it('mounts the ConfigMap key that is passed to --config', () => {
    const objects = objectsOf(overlay);
    const pod = podSpecOf(deploymentOf(objects));
    const backend = backendOf(objects);
    const configs = configArgs([
      ...(backend.command ?? []),
      ...(backend.args ?? []),
    ]);
    expect(configs).toEqual([
      'app-config.yaml',
      '/etc/mlops-portal/app-config.production.yaml',
    ]);
    const mounted = mountedFile(pod, backend, configs[1]);
    expect(mounted?.source).toBe('configMap');
    if (mounted?.source !== 'configMap') return;
    const configMap = one(objects, 'ConfigMap', mounted.name);
    expect(Object.keys(dataOf(configMap))).toContain(mounted.key);
    expect(mounted.key).toBe('app-config.production.yaml');
    // the generated name carries a content hash, so a config change rolls the pods
    expect(mounted.name).toMatch(/^mlops-portal-config-[a-z0-9]{10}$/);
  });

  it('every Secret the pod refers to is in the package, with the keys it reads', () => {
    const objects = objectsOf(overlay);
    const refs = secretReferences(podSpecOf(deploymentOf(objects)));
    expect(refs.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const ref of refs) {
      const secrets = find(objects, 'Secret', ref.name);
      if (secrets.length !== 1) {
        problems.push(`${ref.where}: Secret ${ref.name} is not in the package`);
        continue;
      }
      const secret = secrets[0];
      // a service account token Secret's `token` is filled in by Kubernetes
      const filledByTokenController =
        secret.type === 'kubernetes.io/service-account-token' &&
        ref.key === 'token';
      if (
        ref.key !== undefined &&
        !filledByTokenController &&
        !(ref.key in dataOf(secret))
      ) {
        problems.push(`${ref.where}: Secret ${ref.name} has no key ${ref.key}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('the Service selects exactly the Deployment pods and targets the container port', () => {
    const objects = objectsOf(overlay);
    const service = one(objects, 'Service', 'mlops-portal');
    const selector = specOf(service).selector as Record<string, string>;
    expect(selects(selector, podLabelsOf(deploymentOf(objects)))).toBe(true);
    const deploymentSelector = specOf(deploymentOf(objects))
      .selector as LabelSelector;
    expect(selector).toEqual(deploymentSelector.matchLabels);
    const ports = specOf(service).ports as {
      name: string;
      port: number;
      targetPort: string | number;
    }[];
    expect(ports).toHaveLength(1);
    expect(resolveContainerPort(backendOf(objects), ports[0].targetPort)).toBe(
      7007,
    );
  });

  it('the Ingress sends its host to a port the Service has, with TLS for that host', () => {
    const objects = objectsOf(overlay);
    const ingress = one(objects, 'Ingress', 'mlops-portal');
    const service = one(objects, 'Service', 'mlops-portal');
    const servicePorts = specOf(service).ports as {
      name: string;
      port: number;
    }[];
    const rules = specOf(ingress).rules as {
      host: string;
      http: {
        paths: {
          backend: {
            service: { name: string; port: { name?: string; number?: number } };
          };
        }[];
      };
    }[];
    expect(rules.map(r => r.host)).toEqual(['portal.ml.example.com']);
    for (const p of rules[0].http.paths) {
      expect(p.backend.service.name).toBe(service.metadata.name);
      const port = p.backend.service.port;
      expect(
        servicePorts.some(sp =>
          port.name !== undefined
            ? sp.name === port.name
            : sp.port === port.number,
        ),
      ).toBe(true);
    }
    const tls = specOf(ingress).tls as {
      hosts: string[];
      secretName: string;
    }[];
    expect(tls).toEqual([
      { hosts: ['portal.ml.example.com'], secretName: 'mlops-portal-tls' },
    ]);
    // the TLS Secret is not in the package: cert-manager issues it
    expect(find(objects, 'Secret', 'mlops-portal-tls')).toHaveLength(0);
    expect(
      ingress.metadata.annotations?.['cert-manager.io/cluster-issuer'],
    ).toBeTruthy();
  });

  it('the PodDisruptionBudget selects the Deployment pods and keeps one while replicas > 1', () => {
    const objects = objectsOf(overlay);
    const pdb = one(objects, 'PodDisruptionBudget', 'mlops-portal');
    const deployment = deploymentOf(objects);
    expect(
      selects(specOf(pdb).selector as LabelSelector, podLabelsOf(deployment)),
    ).toBe(true);
    expect(specOf(pdb).minAvailable).toBe(1);
    expect(specOf(deployment).replicas as number).toBeGreaterThan(1);
    expect(
      selects(
        specOf(deployment).selector as LabelSelector,
        podLabelsOf(deployment),
      ),
    ).toBe(true);
  });

  it('runs as a non-root user with a read-only root filesystem and a writable /tmp', () => {
    const objects = objectsOf(overlay);
    const pod = podSpecOf(deploymentOf(objects));
    const backend = backendOf(objects);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
    });
    expect(backend.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(mountedFile(pod, backend, '/tmp/scaffolder')).toEqual({
      source: 'other',
      volume: 'tmp',
      mountPath: '/tmp',
    });
    const tmp = pod.volumes?.find(v => v.name === 'tmp');
    expect(tmp?.emptyDir).toBeDefined();
    expect(backend.resources?.limits?.memory).toBeDefined();
    expect(backend.resources?.requests?.cpu).toBeDefined();
  });

  it('reads with its own service account, bound in the overlay namespace', () => {
    const objects = objectsOf(overlay);
    const pod = podSpecOf(deploymentOf(objects));
    expect(pod.serviceAccountName).toBe('mlops-portal');
    one(objects, 'ServiceAccount', 'mlops-portal');
    const binding = one(objects, 'ClusterRoleBinding', 'mlops-portal-read');
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'mlops-portal', namespace: NAMESPACE },
    ]);
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'mlops-portal-read',
    });
    one(objects, 'ClusterRole', 'mlops-portal-read');
  });

  it('the read ClusterRole grants get/list/watch on every kind the mlops backend watches and Backstage fetches — and nothing else', () => {
    const role = one(objectsOf(overlay), 'ClusterRole', 'mlops-portal-read');
    const rules = role.rules as PolicyRule[];
    const missing: string[] = [];
    for (const k of mlopsWatchedKinds()) {
      for (const verb of READ_VERBS) {
        if (!rulesAllow(rules, k.group, k.plural, verb))
          missing.push(`mlops ${k.group}/${k.plural} ${verb}`);
      }
    }
    for (const o of kubernetesPluginObjects()) {
      for (const verb of READ_VERBS) {
        if (!rulesAllow(rules, o.group, o.plural, verb))
          missing.push(`kubernetes plugin ${o.group}/${o.plural} ${verb}`);
      }
    }
    expect(missing).toEqual([]);
    for (const rule of rules) {
      expect(rule.verbs.every(v => READ_VERBS.includes(v))).toBe(true);
      expect(rule.resources).not.toContain('*');
      expect(rule.resources).not.toContain('secrets');
      expect(rule.apiGroups).not.toContain('*');
    }
  });
});

describe('the restart identity', () => {
  const restartRules = (objects: KubeObject[]) =>
    find(objects, 'ClusterRole', 'mlops-portal-restart')[0]?.rules as
      | PolicyRule[]
      | undefined;

  it('is absent from overlays/production: no write access, no write token', () => {
    const objects = objectsOf('overlays/production');
    expect(restartRules(objects)).toBeUndefined();
    expect(find(objects, 'ClusterRoleBinding', 'mlops-portal-restart')).toEqual(
      [],
    );
    expect((backendOf(objects).env ?? []).map(e => e.name)).not.toContain(
      'KUBERNETES_WRITE_TOKEN',
    );
  });

  it('in overlays/production-restart may patch Deployments and StatefulSets, nothing else, through its own account', () => {
    const objects = objectsOf('overlays/production-restart');
    expect(restartRules(objects)).toEqual([
      {
        apiGroups: ['apps'],
        resources: ['deployments', 'statefulsets'],
        verbs: ['patch'],
      },
    ]);
    const binding = one(objects, 'ClusterRoleBinding', 'mlops-portal-restart');
    expect(binding.subjects).toEqual([
      {
        kind: 'ServiceAccount',
        name: 'mlops-portal-restart',
        namespace: NAMESPACE,
      },
    ]);
    const account = one(objects, 'ServiceAccount', 'mlops-portal-restart');
    expect(account.automountServiceAccountToken).toBe(false);
    const token = one(objects, 'Secret', 'mlops-portal-restart-token');
    expect(token.type).toBe('kubernetes.io/service-account-token');
    expect(
      token.metadata.annotations?.['kubernetes.io/service-account.name'],
    ).toBe('mlops-portal-restart');
    const env = (backendOf(objects).env ?? []).find(
      e => e.name === 'KUBERNETES_WRITE_TOKEN',
    );
    expect(env?.valueFrom?.secretKeyRef).toEqual({
      name: 'mlops-portal-restart-token',
      key: 'token',
    });
    // the pod itself keeps running as the read-only account
    expect(podSpecOf(deploymentOf(objects)).serviceAccountName).toBe(
      'mlops-portal',
    );
  });
});

describe('the health endpoints the probes call', () => {
  it('answer 200 on a Backstage backend of the installed version', async () => {
    const backend = backendOf(objectsOf('overlays/production'));
    const paths = [
      backend.readinessProbe!.httpGet!.path!,
      backend.livenessProbe!.httpGet!.path!,
      backend.startupProbe!.httpGet!.path!,
    ];
    const testBackend = await startTestBackend({ features: [] });
    try {
      const { port } = testBackend.server.address() as AddressInfo;
      for (const p of paths) {
        const res = await fetch(`http://127.0.0.1:${port}${p}`);
        expect(`${p}: ${res.status}`).toBe(`${p}: 200`);
      }
      const missing = await fetch(
        `http://127.0.0.1:${port}/.backstage/health/v1/readyness`,
      );
      expect(missing.status).toBe(404);
    } finally {
      await testBackend.stop();
    }
  });
});
