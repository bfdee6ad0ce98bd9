/**
 * The rendered package against a REAL kube-apiserver (1.20.2 + etcd, from
 * @internal/test-env):
 *
 * - every object is created with `dryRun=All` (admission, defaulting, schema
 *   validation; nothing persisted) and must come back with no field dropped;
 * - the same path must reject broken objects (proof the check can fail);
 * - the RBAC is then created for real and exercised with real service
 *   account tokens (TokenRequest): the portal can list/watch what it reads
 *   and nothing else; the restart identity can patch and nothing else.
 */
import { RunningKubeApiserver, startKubeApiserver } from '@internal/test-env';
import fs from 'node:fs';
import path from 'node:path';
import {
  KubeClient,
  KubeObject,
  adaptForKube120,
  describeObject,
  statusMessage,
} from '@internal/test-env';
import { droppedFields } from '@internal/template-checks';
import { renderOverlay } from './kustomize';
import { find, one } from './manifests';
import { OVERLAYS, Overlay, deployDir } from './paths';
import {
  WatchedKind,
  kubernetesPluginObjects,
  mlopsWatchedKinds,
} from './repoModules';

jest.setTimeout(60_000);

const NAMESPACE = 'mlops-portal';

let kube: RunningKubeApiserver;
let admin: KubeClient;
const rendered = new Map<Overlay, KubeObject[]>();

beforeAll(async () => {
  kube = await startKubeApiserver();
  admin = new KubeClient({
    url: kube.url,
    ca: fs.readFileSync(kube.caFile, 'utf8'),
    token: kube.adminToken,
  });
  for (const overlay of OVERLAYS) {
    const { objects } = await renderOverlay(
      kube.kubectlPath,
      path.join(deployDir(), 'kustomize'),
      overlay,
    );
    rendered.set(overlay, objects);
  }
  await admin.mustCreate({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: NAMESPACE },
  });
});

afterAll(async () => {
  await kube?.stop();
});

interface Outcome {
  object: string;
  status: number;
  problem?: string;
}

async function dryRun(obj: KubeObject): Promise<Outcome> {
  const reply = await admin.dryRunCreate(obj);
  const object = describeObject(obj);
  if (reply.status !== 201 && reply.status !== 200) {
    return { object, status: reply.status, problem: statusMessage(reply) };
  }
  const dropped = droppedFields(obj, reply.json);
  return dropped.length
    ? {
        object,
        status: reply.status,
        problem: `accepted, but dropped: ${dropped.join(', ')}`,
      }
    : { object, status: reply.status };
}

describe.each(OVERLAYS)('%s on a real kube-apiserver 1.20', overlay => {
  it('every object is accepted by a server-side dry-run create, with no field dropped', async () => {
    const { objects, changes } = adaptForKube120(rendered.get(overlay)!);
    // policy/v1 is served from 1.21 on; 1.20 takes the same PDB as policy/v1beta1.
    expect(changes).toEqual([
      'PodDisruptionBudget/mlops-portal: policy/v1 → policy/v1beta1',
    ]);
    const outcomes = await Promise.all(objects.map(dryRun));
    expect(outcomes.filter(o => o.problem)).toEqual([]);
    expect(outcomes.map(o => o.status)).toEqual(objects.map(() => 201));
    expect(outcomes.length).toBe(overlay === 'overlays/production' ? 9 : 13);
  });
});

describe('the dry-run check fails on broken objects', () => {
  const deployment = () =>
    JSON.parse(
      JSON.stringify(
        one(rendered.get('overlays/production')!, 'Deployment', 'mlops-portal'),
      ),
    ) as KubeObject & {
      spec: {
        selector?: unknown;
        template: {
          metadata: { labels: Record<string, string> };
          spec: { containers: Record<string, unknown>[] };
        };
      };
    };

  it('rejects the Deployment without its selector', async () => {
    const broken = deployment();
    delete broken.spec.selector;
    const outcome = await dryRun(broken);
    expect(outcome.status).toBe(422);
    expect(outcome.problem).toMatch(/spec\.selector: Required value/);
  });

  it('rejects the Deployment whose selector does not select its pods', async () => {
    const broken = deployment();
    broken.spec.template.metadata.labels['app.kubernetes.io/component'] =
      'frontend';
    const outcome = await dryRun(broken);
    expect(outcome.status).toBe(422);
    expect(outcome.problem).toMatch(
      /`selector` does not match template `labels`/,
    );
  });

  it('finds a misspelt field that 1.20 accepts silently', async () => {
    const broken = deployment();
    const container = broken.spec.template.spec.containers[0];
    container.readinesProbe = container.readinessProbe;
    delete container.readinessProbe;
    const outcome = await dryRun(broken);
    expect(outcome.status).toBe(201);
    expect(outcome.problem).toBe(
      'accepted, but dropped: spec.template.spec.containers[0].readinesProbe',
    );
  });
});

// ---------------------------------------------------------------------------
// RBAC with real tokens

/** Minimal CRDs so the custom kinds the backend reads are served. */
function crd(group: string, plural: string, kind: string, version: string) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: {
        kind,
        plural,
        singular: kind.toLowerCase(),
        listKind: `${kind}List`,
      },
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              'x-kubernetes-preserve-unknown-fields': true,
            },
          },
        },
      ],
    },
  };
}

async function until<T>(
  what: string,
  attempt: () => Promise<T | undefined>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise(r => setTimeout(r, 100));
  }
}

/** A token of the service account, from the TokenRequest API. */
async function tokenOf(account: string): Promise<string> {
  const reply = await admin.request(
    'POST',
    `/api/v1/namespaces/${NAMESPACE}/serviceaccounts/${account}/token`,
    {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 3600 },
    },
  );
  const token = (reply.json?.status as { token?: string } | undefined)?.token;
  if (reply.status !== 201 || !token) {
    throw new Error(`TokenRequest for ${account}: ${statusMessage(reply)}`);
  }
  return token;
}

/** SelfSubjectAccessReview: may the client's own identity do this? */
async function may(
  client: KubeClient,
  verb: string,
  group: string,
  resource: string,
): Promise<boolean> {
  const reply = await client.request(
    'POST',
    '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { verb, group, resource } },
    },
  );
  if (reply.status !== 201) {
    throw new Error(`SelfSubjectAccessReview: ${statusMessage(reply)}`);
  }
  return Boolean((reply.json?.status as { allowed?: boolean }).allowed);
}

/** The cluster-wide collection path of the first version of the kind the apiserver serves. */
async function servedCollection(kind: WatchedKind): Promise<string> {
  for (const version of kind.versions) {
    const apiVersion = kind.group ? `${kind.group}/${version}` : version;
    if (await admin.serves(apiVersion, kind.plural)) {
      return `${KubeClient.groupVersionPath(apiVersion)}/${kind.plural}`;
    }
  }
  throw new Error(
    `the apiserver serves no version of ${kind.group}/${kind.plural}`,
  );
}

describe('RBAC, exercised with real service account tokens', () => {
  let reader: KubeClient;
  let restarter: KubeClient;

  beforeAll(async () => {
    for (const c of [
      crd('argoproj.io', 'applications', 'Application', 'v1alpha1'),
      crd(
        'serving.kserve.io',
        'inferenceservices',
        'InferenceService',
        'v1beta1',
      ),
    ]) {
      await admin.mustCreate(c);
    }
    await until('the CRDs to be served', async () => {
      admin.resetDiscovery();
      const ok =
        (await admin.serves('argoproj.io/v1alpha1')) &&
        (await admin.serves('serving.kserve.io/v1beta1'));
      return ok || undefined;
    });
    // The restart overlay holds everything the production overlay holds, plus
    // the restart identity: create its accounts, roles and bindings for real.
    const objects = rendered.get('overlays/production-restart')!;
    for (const kind of [
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
    ]) {
      for (const obj of find(objects, kind)) await admin.mustCreate(obj);
    }
    reader = admin.withToken(await tokenOf('mlops-portal'));
    restarter = admin.withToken(await tokenOf('mlops-portal-restart'));
    // RBAC is served from informers: wait until both bindings are in effect.
    await until('the bindings to take effect', async () =>
      (await may(reader, 'list', '', 'pods')) &&
      (await may(restarter, 'patch', 'apps', 'deployments'))
        ? true
        : undefined,
    );
  });

  it('the portal account lists, across all namespaces, every kind the mlops backend watches', async () => {
    const answers = await Promise.all(
      mlopsWatchedKinds().map(async kind => {
        const collection = await servedCollection(kind);
        const reply = await reader.request('GET', `${collection}?limit=1`);
        return `${collection}: ${reply.status}`;
      }),
    );
    expect(answers.filter(a => !a.endsWith(': 200'))).toEqual([]);
    expect(answers).toHaveLength(mlopsWatchedKinds().length);
  });

  it('the portal account may get, list and watch everything Backstage’s Kubernetes plugin fetches', async () => {
    const checks = [
      ...kubernetesPluginObjects(),
      ...mlopsWatchedKinds().map(k => ({ group: k.group, plural: k.plural })),
    ].flatMap(o => ['get', 'list', 'watch'].map(verb => ({ verb, ...o })));
    const answers = await Promise.all(
      checks.map(async c => ({
        ...c,
        allowed: await may(reader, c.verb, c.group, c.plural),
      })),
    );
    const denied = answers
      .filter(a => !a.allowed)
      .map(a => `${a.verb} ${a.group}/${a.plural}`);
    expect(denied).toEqual([]);
  });

  it('the portal account cannot read Secrets nor change anything', async () => {
    const secrets = await reader.request(
      'GET',
      `/api/v1/namespaces/${NAMESPACE}/secrets`,
    );
    expect(secrets.status).toBe(403);
    for (const [verb, group, resource] of [
      ['patch', 'apps', 'deployments'],
      ['delete', '', 'pods'],
      ['create', 'argoproj.io', 'applications'],
      ['get', '', 'secrets'],
    ]) {
      expect(
        `${verb} ${group}/${resource}: ${await may(
          reader,
          verb,
          group,
          resource,
        )}`,
      ).toBe(`${verb} ${group}/${resource}: false`);
    }
  });

  it('the restart account patches a Deployment as the restart action does, and may do nothing else', async () => {
    const target = await admin.mustCreate({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'fraud-detector',
        namespace: 'default',
        labels: { app: 'fraud' },
      },
      spec: {
        selector: { matchLabels: { app: 'fraud' } },
        template: {
          metadata: { labels: { app: 'fraud' } },
          spec: { containers: [{ name: 'main', image: 'example/fraud:1' }] },
        },
      },
    });
    const resourceVersion = (target.metadata as { resourceVersion: string })
      .resourceVersion;
    const deploymentPath =
      '/apis/apps/v1/namespaces/default/deployments/fraud-detector';
    // the restarter reads with the portal's token ...
    const live = await reader.request('GET', deploymentPath);
    expect(live.status).toBe(200);
    // ... and patches with the write token (WorkloadRestarter's strategic merge)
    const patch = {
      metadata: { resourceVersion },
      spec: {
        template: {
          metadata: {
            annotations: {
              'kubectl.kubernetes.io/restartedAt': '2026-11-22T10:00:00Z',
            },
          },
        },
      },
    };
    const denied = await reader.request(
      'PATCH',
      deploymentPath,
      patch,
      'application/strategic-merge-patch+json',
    );
    expect(denied.status).toBe(403);
    const patched = await restarter.request(
      'PATCH',
      `${deploymentPath}?fieldManager=backstage-mlops`,
      patch,
      'application/strategic-merge-patch+json',
    );
    expect(statusMessage(patched)).toMatch(/^HTTP 200/);
    expect(
      (
        patched.json as {
          spec: {
            template: { metadata: { annotations: Record<string, string> } };
          };
        }
      ).spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt'],
    ).toBe('2026-11-22T10:00:00Z');

    expect(await may(restarter, 'patch', 'apps', 'statefulsets')).toBe(true);
    for (const [verb, group, resource] of [
      ['get', 'apps', 'deployments'],
      ['update', 'apps', 'deployments'],
      ['delete', 'apps', 'deployments'],
      ['list', '', 'pods'],
      ['get', '', 'secrets'],
    ]) {
      expect(
        `${verb} ${group}/${resource}: ${await may(
          restarter,
          verb,
          group,
          resource,
        )}`,
      ).toBe(`${verb} ${group}/${resource}: false`);
    }
  });
});
