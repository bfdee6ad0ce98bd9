/**
 * The delivery loop, end to end: a git commit to support-chat's source
 * repository walks the Delivery card to "serving" (build controller →
 * real registry → GitOps repo → GitOps controller → kube-apiserver →
 * kubelet stand-in → the real FastAPI app), and each link broken on purpose
 * is named in words on the card, then recovers. The portal reads only
 * through the upstream APIs; the tests drive the loop and look at the page.
 */
import path from 'node:path';
import { DeliveryBreak, GitRepo } from '../packages/delivery-sim/src';
import { gitopsFilesOf } from '../packages/test-env/src/demo/loopService';
import { DEMO_SERVICES } from '../packages/test-env/src/demo/scenario';
import { Env, assert, card, cardText, openEntity, screenshots, test, timings } from './harness';

const SERVICE = 'support-chat';
/** Long enough for a build, a sync, a rollout, the backend's 5 s caches and the card's 10 s refresh. */
const STEP_TIMEOUT = 120_000;

const short = (sha: string) => sha.slice(0, 7);

function loop(env: Env) {
  const delivery = env.demo.delivery;
  assert(delivery, `the demo runs no delivery loop: ${env.demo.deliveryProblem ?? 'unknown reason'}`);
  return delivery;
}

async function openService(env: Env) {
  await openEntity(env, SERVICE);
  await cardText(env, 'Delivery', /Delivers end to end|Broken at|Held up at|steps cannot be judged/i, STEP_TIMEOUT);
}

/** Waits until the Delivery card says the chain delivers `sha` end to end (the card refreshes itself). */
async function deliveredOnCard(env: Env, sha: string): Promise<string> {
  const c = card(env, 'Delivery');
  await c.getByText(`${short(sha)} built by build`, { exact: false }).first().waitFor({ timeout: STEP_TIMEOUT });
  await c.getByText(/Delivers end to end/).first().waitFor({ timeout: STEP_TIMEOUT });
  return c.innerText();
}

interface Scenario {
  brk: DeliveryBreak;
  /** The step the card names first. */
  step: string;
  /** What it says about it. */
  detail: RegExp;
  /** The break shows on the next delivery (a commit), or at once on what runs now. */
  needsCommit: boolean;
  /** Recovery through the portal's own Sync button instead of only repairing the link. */
  recoverWithSyncButton?: boolean;
}

const SCENARIOS: Scenario[] = [
  { brk: 'build-fails', step: 'Build', detail: /failed at stage Image/, needsCommit: true },
  { brk: 'image-not-pushed', step: 'Image', detail: /no image with revision/, needsCommit: true },
  { brk: 'gitops-not-bumped', step: 'Desired in GitOps', detail: /not in GitOps yet/, needsCommit: true },
  { brk: 'sync-off', step: 'Synced', detail: /OutOfSync and auto-sync is off/, needsCommit: true, recoverWithSyncButton: true },
  { brk: 'crash-loop', step: 'Running', detail: /crash-looping|CrashLoopBackOff/, needsCommit: false },
  { brk: 'model-not-ready', step: 'Serving', detail: /not ready|model/i, needsCommit: false },
];

export function registerDeliveryLoopTests() {
  test('a git commit to a service walks the Delivery card through every step to serving', async env => {
    const delivery = loop(env);
    await openService(env);
    const t0 = Date.now();
    const sha = await delivery.commit(SERVICE, 'e2e: shorter system prompt');
    const text = await deliveredOnCard(env, sha);
    timings['delivery loop: git commit → Delivery card says it serves that commit'] = Date.now() - t0;
    for (const step of ['Commit', 'Build', 'Image', 'Desired in GitOps', 'Synced', 'Running', 'Serving'])
      assert(text.includes(step), `the card lists ${step}: ${text}`);
    assert(text.includes(`GitOps asks for :${sha}`), `GitOps asks for the image of ${short(sha)}: ${text}`);
    assert(text.includes(`on :${sha}`), `the pods run the image of ${short(sha)}: ${text}`);
    // Only the Delivery card refreshes itself; the other cards show what the page loaded with.
    await openEntity(env, SERVICE);
    const build = await cardText(env, 'Build', new RegExp(short(sha)), STEP_TIMEOUT);
    assert(/succeeded|Success/i.test(build), `the build card shows the successful build: ${build}`);
    // Prometheus scrapes the real app on the entity's own address (127.0.8.82 in the demo), under the serving pod.
    // The new pod's series needs two scrapes; the Inference card does not refresh itself: reload until it shows.
    let inference = '';
    for (const deadline = Date.now() + STEP_TIMEOUT; ; ) {
      inference = await cardText(env, 'Inference', /Live|not ready|unreachable/i, STEP_TIMEOUT);
      if (/req\/s/.test(inference)) break;
      assert(Date.now() < deadline, `the inference card shows support-chat's request rate: ${inference}`);
      await new Promise(r => setTimeout(r, 5000));
      await openEntity(env, SERVICE);
    }
    assert(/Model ready|ready/i.test(inference), `the inference card shows the real app ready: ${inference}`);
    await card(env, 'Delivery').screenshot({ path: path.join(screenshots, 'delivery-card-loop-serving.png') });
  });

  for (const s of SCENARIOS) {
    test(`delivery loop, ${s.brk}: the Delivery card says "Broken at: ${s.step}", then recovers`, async env => {
      const delivery = loop(env);
      await openService(env);
      delivery.breakLink(SERVICE, s.brk);
      let repaired = false;
      try {
        if (s.needsCommit) await delivery.commit(SERVICE, `e2e: change under ${s.brk}`);
        const c = card(env, 'Delivery');
        await c.getByText(`Broken at: ${s.step}`, { exact: true }).waitFor({ timeout: STEP_TIMEOUT });
        const text = await c.innerText();
        assert(s.detail.test(text), `the card says why (${s.detail}): ${text}`);
        await c.screenshot({ path: path.join(screenshots, `delivery-card-loop-${s.brk}.png`) });

        let sha: string;
        if (s.recoverWithSyncButton) {
          // The portal's Sync action (permission-checked) makes the GitOps controller apply for real.
          await card(env, 'Argo CD sync').getByRole('button', { name: 'Sync', exact: true }).click();
          sha = await delivery.sourceHead(SERVICE);
          await deliveredOnCard(env, sha);
          delivery.repair(SERVICE, s.brk);
          repaired = true;
        } else {
          delivery.repair(SERVICE, s.brk);
          repaired = true;
          sha = s.needsCommit
            ? await delivery.commit(SERVICE, `e2e: after repairing ${s.brk}`)
            : await delivery.sourceHead(SERVICE);
          await deliveredOnCard(env, sha);
        }
        const after = await card(env, 'Delivery').innerText();
        assert(!/Broken at|Held up at/.test(after), `nothing broken after recovery: ${after}`);
      } finally {
        if (!repaired) delivery.repair(SERVICE, s.brk);
      }
    });
  }

  test('delivery loop, gpu-unschedulable: a GPU asked for in GitOps while every GPU node is full says "Broken at: Running" with the scheduler’s words, then schedules', async env => {
    const delivery = loop(env);
    const plan = DEMO_SERVICES.find(p => p.name === SERVICE)!;
    const [service] = delivery.services;
    const gitops = new GitRepo(service.gitopsRepo);
    const workload = `apps/${SERVICE}/base/workload.yaml`;
    const render = (gpu: boolean) =>
      gitopsFilesOf(plan, gpu ? { gpuCount: 1, gpuProduct: 'NVIDIA-GeForce-RTX-4090-SHARED' } : {})[workload];
    await openService(env);
    delivery.breakLink(SERVICE, 'gpu-unschedulable');
    let repaired = false;
    try {
      // A platform engineer re-renders the template with one time-sliced RTX 4090 GPU.
      await gitops.commit({ [workload]: render(true) }, `${SERVICE}: one GPU (template re-rendered)`);
      const c = card(env, 'Delivery');
      await c.getByText('Broken at: Running', { exact: true }).waitFor({ timeout: STEP_TIMEOUT });
      const text = await c.innerText();
      assert(/Insufficient nvidia\.com\/gpu/.test(text), `the card gives the scheduler's reason: ${text}`);
      await c.screenshot({ path: path.join(screenshots, 'delivery-card-loop-gpu-unschedulable.png') });

      delivery.repair(SERVICE, 'gpu-unschedulable');
      repaired = true;
      await deliveredOnCard(env, await delivery.sourceHead(SERVICE));
    } finally {
      if (!repaired) delivery.repair(SERVICE, 'gpu-unschedulable');
      // Back to the CPU workload the demo started with.
      await gitops.commit({ [workload]: render(false) }, `${SERVICE}: back to CPU`);
    }
    await deliveredOnCard(env, await delivery.sourceHead(SERVICE));
  });
}
