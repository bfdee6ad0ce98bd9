/**
 * The whole delivery loop on real stores: a real registry (token auth), a
 * real kube-apiserver + etcd, real git repositories and kubectl's kustomize;
 * the Jenkins and Argo CD simulators read over HTTP as a client would, and a
 * vLLM simulator as the model server. A commit (through the loop or a plain
 * `git commit` in the source repository) walks to running and serving; a GPU
 * link broken on purpose holds the pods Pending with the scheduler's words.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import {
  ArgoCdSimulator,
  JenkinsSimulator,
  VllmSimulator,
  startArgoCdSimulator,
  startJenkinsSimulator,
  startVllmSimulator,
} from '@internal/simulators';
import {
  ALL_MANIFEST_ACCEPT,
  KubeClient,
  RunningKubeApiserver,
  RunningRegistry,
  registryAuthHeaders,
  startKubeApiserver,
  startRegistry,
} from '@internal/test-env';
import { createReadyNode } from './kubelet/testUtils';
import { DeliveryLoop, startDeliveryLoop } from './loop';
import { vllmServingAdapter } from './serving';

jest.setTimeout(180_000);

const execFileAsync = promisify(execFile);
const NAME = 'summarizer';
const IMAGE = `registry.demo.local/genai/${NAME}`;

const gitopsFiles = {
  [`apps/${NAME}/base/kustomization.yaml`]:
    'resources:\n  - deployment.yaml\n',
  [`apps/${NAME}/base/deployment.yaml`]: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${NAME}
  labels: {backstage.io/kubernetes-id: ${NAME}}
spec:
  replicas: 1
  selector:
    matchLabels: {app.kubernetes.io/name: ${NAME}}
  template:
    metadata:
      labels: {app.kubernetes.io/name: ${NAME}, backstage.io/kubernetes-id: ${NAME}}
    spec:
      containers:
        - name: model-server
          image: ${IMAGE}
          ports: [{containerPort: 8000}]
          resources:
            limits: {nvidia.com/gpu: "1"}
`,
  // The modern forms the template generates; the GitOps controller adapts them for kustomize 2.0.3.
  [`apps/${NAME}/overlays/prod/kustomization.yaml`]: `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: genai
resources:
  - ../../base
images:
  # CI sets newTag to the commit it built
  - name: ${IMAGE}
    newName: ${IMAGE}
    newTag: latest
`,
};

describe('the delivery loop (simulated controllers on real stores)', () => {
  let registry: RunningRegistry;
  let kube: RunningKubeApiserver;
  let admin: KubeClient;
  let jenkins: JenkinsSimulator;
  let argocd: ArgoCdSimulator;
  let vllm: VllmSimulator;
  let loop: DeliveryLoop;

  beforeAll(async () => {
    [registry, kube, jenkins, argocd, vllm] = await Promise.all([
      startRegistry({ auth: 'token' }),
      startKubeApiserver(),
      startJenkinsSimulator(),
      startArgoCdSimulator(),
      startVllmSimulator({ servedModelName: 'summarizer' }),
    ]);
    const ca = fs.readFileSync(kube.caFile, 'utf8');
    admin = new KubeClient({ url: kube.url, ca, token: kube.adminToken });
    await createReadyNode(admin, 'gpu-1', { 'nvidia.com/gpu': '1' }, 1);
    loop = await startDeliveryLoop({
      services: [
        {
          service: {
            name: NAME,
            namespace: 'genai',
            image: IMAGE,
            registryRepository: `genai/${NAME}`,
            jenkinsJob: `genai/${NAME}`,
            argoApp: NAME,
            model: 'summarizer',
          },
          sourceFiles: { 'app.py': 'print("summarize")\n' },
          gitopsFiles,
          serving: vllmServingAdapter(vllm),
        },
      ],
      registry: {
        url: registry.url,
        username: registry.username,
        password: registry.password,
      },
      registryHosts: { 'registry.demo.local': registry.host },
      kube: { url: kube.url, ca, token: kube.adminToken },
      kubectl: kube.kubectlPath,
      jenkins,
      argocd,
      stageMs: 100,
      pollMs: 300,
      scmPollMs: 300,
    });
  });

  afterAll(async () => {
    await loop?.stop();
    await Promise.all([
      registry?.stop(),
      kube?.stop(),
      jenkins?.stop(),
      argocd?.stop(),
      vllm?.stop(),
    ]);
  });

  const jenkinsJson = async (p: string) => {
    const res = await fetch(`${jenkins.url}${p}`, {
      headers: { Authorization: jenkins.tokenAuth() },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, any>;
  };
  const argoApp = async () => {
    const session = await fetch(`${argocd.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'password' }),
    });
    const { token } = (await session.json()) as { token: string };
    const res = await fetch(`${argocd.url}/api/v1/applications/${NAME}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return (await res.json()) as Record<string, any>;
  };
  const pods = async () =>
    ((
      await admin.request(
        'GET',
        `/api/v1/namespaces/genai/pods?labelSelector=backstage.io/kubernetes-id%3D${NAME}`,
      )
    ).json?.items ?? []) as Array<Record<string, any>>;
  const vllmAnswers = async () => {
    try {
      return (await fetch(`${vllm.url}/v1/models`)).status === 200;
    } catch {
      return false;
    }
  };
  const until = async (what: string, check: () => Promise<boolean>, ms = 60_000) => {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise(r => setTimeout(r, 250));
    }
  };

  it('delivers the first commit at start: build, image with its revision, GitOps bump, sync, a pod on a GPU, serving', async () => {
    const head = await loop.sourceHead(NAME);
    await loop.waitForRollout(NAME, head, 90_000);

    const build = await jenkinsJson(
      `/job/genai/job/${NAME}/lastBuild/api/json`,
    );
    expect(build.result).toBe('SUCCESS');
    expect(
      build.actions.find((a: any) => a?.lastBuiltRevision)?.lastBuiltRevision
        .SHA1,
    ).toBe(head);

    const headers = await registryAuthHeaders(registry, [
      `repository:genai/${NAME}:pull`,
    ]);
    const manifest = await fetch(
      `${registry.url}/v2/genai/${NAME}/manifests/${head}`,
      { headers: { ...headers, accept: ALL_MANIFEST_ACCEPT } },
    );
    expect(manifest.status).toBe(200);
    const config = (await manifest.json()) as { config: { digest: string } };
    const blob = await fetch(
      `${registry.url}/v2/genai/${NAME}/blobs/${config.config.digest}`,
      { headers },
    );
    expect(
      ((await blob.json()) as any).config.Labels[
        'org.opencontainers.image.revision'
      ],
    ).toBe(head);

    const app = await argoApp();
    expect(app.status.sync.status).toBe('Synced');
    expect(app.status.health.status).toBe('Healthy');
    expect(app.status.summary.images).toEqual([`${IMAGE}:${head}`]);

    const [pod] = await pods();
    expect(pod.spec.nodeName).toBe('gpu-1');
    expect(pod.spec.containers[0].image).toBe(`${IMAGE}:${head}`);
    await until('the model server to answer', vllmAnswers);
  });

  it('a plain `git commit` in the source repository is picked up and delivered', async () => {
    const repo = loop.services[0].sourceRepo;
    const t0 = Date.now();
    await execFileAsync(
      'git',
      [
        '-c',
        'user.name=ML engineer',
        '-c',
        'user.email=ml@example.com',
        'commit',
        '--allow-empty',
        '-q',
        '-m',
        'tune the summary length',
      ],
      { cwd: repo },
    );
    const head = await loop.sourceHead(NAME);
    await loop.waitForRollout(NAME, head, 90_000);
    const elapsed = Date.now() - t0;
    // eslint-disable-next-line no-console
    console.log(`commit → rolled out and Synced/Healthy: ${elapsed} ms`);
    const history = (await argoApp()).status.history as Array<{
      revision: string;
    }>;
    expect(history.length).toBeGreaterThanOrEqual(2);
    await until('the model server to answer', vllmAnswers);
  });

  it('gpu-unschedulable: the next rollout stays Pending with the scheduler’s words and serving stops; repairing it delivers', async () => {
    loop.breakLink(NAME, 'gpu-unschedulable');
    const sha = await loop.commit(NAME, 'bigger beam search');
    await until('a Pending pod of the new image', async () => {
      const list = await pods();
      return list.some(
        p =>
          p.spec.containers[0].image === `${IMAGE}:${sha}` &&
          p.status?.phase === 'Pending' &&
          (p.status?.conditions ?? []).some(
            (c: any) =>
              c.type === 'PodScheduled' &&
              c.reason === 'Unschedulable' &&
              /Insufficient nvidia\.com\/gpu/.test(c.message),
          ),
      );
    });
    await until('the model server to stop answering', async () => !(await vllmAnswers()));

    loop.repair(NAME, 'gpu-unschedulable');
    const repaired = await loop.commit(NAME, 'after the GPU was freed');
    await loop.waitForRollout(NAME, repaired, 90_000);
    await until('the model server to answer again', vllmAnswers);
    expect(loop.events().some(e => e.controller === 'scenario' && /break gpu-unschedulable/.test(e.message))).toBe(true);
  });
});
