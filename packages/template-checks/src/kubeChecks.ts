/**
 * Server-side dry-run of generated manifests against one real kube-apiserver:
 * installs the CRDs, creates the target namespaces, then applies every object
 * with `dryRun=All` and reports the apiserver's answer.
 */
import fs from 'node:fs';
import { RunningKubeApiserver } from '@internal/test-env';
import { CRDS } from './crds';
import {
  describeObject,
  KubeClient,
  KubeObject,
  statusMessage,
} from '@internal/test-env';
import { droppedFields } from './prunedFields';

export interface DryRunOutcome {
  object: string;
  ok: boolean;
  /** set when server-side apply hit the 1.20 limitation below and a dry-run create decided instead */
  fallback?: string;
  /** the apiserver's Status message, or the fields it dropped */
  problem?: string;
}

export function kubeClientFor(kube: RunningKubeApiserver): KubeClient {
  return new KubeClient({
    url: kube.url,
    ca: fs.readFileSync(kube.caFile, 'utf8'),
    token: kube.adminToken,
  });
}

/** Installs the Application and InferenceService CRDs and waits until they are served. */
export async function installCrds(client: KubeClient): Promise<void> {
  for (const crd of CRDS) await client.createOrKeep(crd);
  const deadline = Date.now() + 30_000;
  for (const crd of CRDS) {
    const spec = crd.spec as {
      group: string;
      versions: { name: string }[];
      names: { plural: string };
    };
    const path = `/apis/${spec.group}/${spec.versions[0].name}`;
    for (;;) {
      const reply = await client.request('GET', path);
      const served =
        reply.status === 200 &&
        ((reply.json?.resources as { name: string }[] | undefined) ?? []).some(
          r => r.name === spec.names.plural,
        );
      if (served) break;
      if (Date.now() > deadline)
        throw new Error(`CRD ${crd.metadata.name} is not served after 30 s`);
      await new Promise(r => setTimeout(r, 100));
    }
  }
  client.resetDiscovery();
}

export async function ensureNamespaces(
  client: KubeClient,
  namespaces: Iterable<string>,
): Promise<void> {
  for (const name of new Set(namespaces)) {
    await client.createOrKeep({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name },
    });
  }
}

/**
 * Server-side apply in Kubernetes 1.20 cannot merge list entries whose key
 * field is defaulted later (Service `ports[].protocol`, container
 * `ports[].protocol`): it answers 500 "associative list with keys has an
 * element that omits key field" before defaulting. Newer apiservers default
 * first. For that answer only, a dry-run create decides instead.
 */
const SSA_120_KEY_DEFAULTING =
  /associative list with keys has an element that omits key field "protocol"/;

/**
 * Server-side apply with dryRun=All (a dry-run create for the 1.20 limitation
 * above); fails on a non-2xx answer or on fields the apiserver dropped.
 */
export async function dryRunObject(
  client: KubeClient,
  obj: KubeObject,
): Promise<DryRunOutcome> {
  const object = describeObject(obj);
  let reply;
  let fallback: string | undefined;
  try {
    reply = await client.dryRunApply(obj);
    if (
      reply.status === 500 &&
      SSA_120_KEY_DEFAULTING.test(statusMessage(reply))
    ) {
      fallback = statusMessage(reply);
      reply = await client.dryRunCreate(obj);
    }
  } catch (e) {
    return { object, ok: false, problem: (e as Error).message };
  }
  if (reply.status < 200 || reply.status >= 300) {
    return {
      object,
      ok: false,
      problem: statusMessage(reply),
      ...(fallback ? { fallback } : {}),
    };
  }
  const dropped = droppedFields(obj, reply.json).filter(
    p => !p.startsWith('status'),
  );
  if (dropped.length) {
    return {
      object,
      ok: false,
      problem: `accepted, but the apiserver dropped unknown or misplaced fields: ${dropped.join(
        ', ',
      )}`,
      ...(fallback ? { fallback } : {}),
    };
  }
  return { object, ok: true, ...(fallback ? { fallback } : {}) };
}
