/**
 * What a sync (or rollback) operation does, as Argo CD's sync context does
 * it with server-side apply: render the overlay at the operation's revision,
 * create the destination namespace when missing, dry-run every object
 * (nothing is applied when one fails), server-side apply the objects
 * (field manager `argocd-controller`, `force=true`) in kind order, and prune
 * tracked objects that are no longer rendered when the operation says so.
 */
import type {
  ArgoApplication,
  ResourceResult,
  SyncRequest,
} from '@internal/simulators';
import { KubeClient, KubeObject, KubeReply } from '@internal/test-env';
import { GitRepo } from '../git';
import {
  AppStateManager,
  FIELD_MANAGER,
  objectKey,
  splitApiVersion,
} from './state';

/** gitops-engine's `kindOrder` (the start of it): what is applied first. */
const KIND_ORDER = [
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
];

function kindRank(kind: string): number {
  const i = KIND_ORDER.indexOf(kind);
  return i < 0 ? KIND_ORDER.length : i;
}

/** `kubectl` style name: `deployment.apps/x`, `service/x`. */
function kubectlName(apiVersion: string, kind: string, name: string): string {
  const { group } = splitApiVersion(apiVersion);
  return `${kind.toLowerCase()}${group ? `.${group}` : ''}/${name}`;
}

/** The apiserver's message for a failed request (as kubectl prints it). */
export function apiserverMessage(reply: KubeReply): string {
  const message = reply.json?.message;
  return typeof message === 'string' && message
    ? message
    : `HTTP ${reply.status}: ${reply.body.slice(0, 500)}`;
}

function result(
  o: {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string };
  },
  status: ResourceResult['status'],
  message: string,
  hookPhase = 'Running',
  syncPhase = 'Sync',
): ResourceResult {
  const { group, version } = splitApiVersion(o.apiVersion);
  return {
    group,
    version,
    kind: o.kind,
    namespace: o.metadata.namespace ?? '',
    name: o.metadata.name,
    status,
    message,
    hookPhase,
    syncPhase,
  };
}

export interface SyncRun {
  phase: 'Succeeded' | 'Failed' | 'Error';
  message: string;
  resources: ResourceResult[];
  revision: string;
}

function selected(
  request: SyncRequest,
  o: {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string };
  },
): boolean {
  if (!request.resources) return true;
  const { group } = splitApiVersion(o.apiVersion);
  return request.resources.some(
    r =>
      (r.group ?? '') === group &&
      r.kind === o.kind &&
      r.name === o.metadata.name &&
      (!r.namespace || r.namespace === (o.metadata.namespace ?? '')),
  );
}

async function ensureNamespace(
  kube: KubeClient,
  name: string,
  dryRun: boolean,
): Promise<ResourceResult | undefined> {
  const ns: KubeObject = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name },
  };
  const existing = await kube.get(ns);
  if (existing.status === 200) return undefined;
  if (existing.status !== 404) {
    throw new Error(`namespace ${name}: ${apiserverMessage(existing)}`);
  }
  if (dryRun) {
    return result(
      ns,
      'Synced',
      `namespace/${name} created (dry run)`,
      'Running',
      'PreSync',
    );
  }
  const reply = await kube.create(ns);
  if (reply.status !== 201 && reply.status !== 409) {
    return result(
      ns,
      'SyncFailed',
      apiserverMessage(reply),
      'Failed',
      'PreSync',
    );
  }
  return result(
    ns,
    'Synced',
    `namespace/${name} created`,
    'Running',
    'PreSync',
  );
}

/** Performs the operation against the kube-apiserver. */
export async function runSync(
  kube: KubeClient,
  state: AppStateManager,
  app: ArgoApplication,
  repo: GitRepo,
  overlayPath: string,
  revision: string,
  request: SyncRequest,
): Promise<SyncRun> {
  const targets = await state.targets(app, repo, revision, overlayPath);
  if (!targets.ok) {
    return {
      phase: 'Error',
      message: `ComparisonError: Failed to load target state: failed to generate manifest for source 1 of 1: ${targets.error}`,
      resources: [],
      revision,
    };
  }
  const tracked = await state.liveTracked(app.metadata.name);
  const rendered = new Set(targets.objects.map(objectKey));
  const toApply = targets.objects
    .filter(o => selected(request, o))
    .sort((a, b) => kindRank(a.kind) - kindRank(b.kind));
  const toPrune = [...tracked.entries()]
    .filter(([key]) => !rendered.has(key))
    .map(([, t]) => ({
      apiVersion: t.apiVersion,
      kind: t.kind,
      metadata: {
        name: String((t.live.metadata as { name?: string }).name ?? ''),
        namespace: (t.live.metadata as { namespace?: string }).namespace,
      },
    }))
    .filter(o => selected(request, o));

  const results: ResourceResult[] = [];
  const namespaces = new Set(
    [
      app.spec.destination.namespace,
      ...toApply.map(o => o.metadata.namespace),
    ].filter((n): n is string => Boolean(n)),
  );
  for (const ns of namespaces) {
    const created = await ensureNamespace(kube, ns, request.dryRun);
    if (created) results.push(created);
    if (created?.status === 'SyncFailed') {
      return {
        phase: 'Failed',
        message: `one or more objects failed to apply, reason: ${created.message}`,
        resources: results,
        revision,
      };
    }
  }

  // dry run of everything first: nothing is applied when one object fails
  const dryRunFailures: ResourceResult[] = [];
  for (const o of toApply) {
    let reply: KubeReply;
    try {
      reply = await kube.apply(o, {
        fieldManager: FIELD_MANAGER,
        force: true,
        dryRun: true,
      });
    } catch (e) {
      dryRunFailures.push(
        result(o, 'SyncFailed', (e as Error).message, 'Failed'),
      );
      continue;
    }
    if (reply.status !== 200 && reply.status !== 201) {
      dryRunFailures.push(
        result(o, 'SyncFailed', apiserverMessage(reply), 'Failed'),
      );
    }
  }
  if (dryRunFailures.length) {
    return {
      phase: 'Failed',
      message: `one or more objects failed to apply (dry run), reason: ${dryRunFailures
        .map(r => r.message)
        .join(',')}`,
      resources: [...results, ...dryRunFailures],
      revision,
    };
  }

  const failures: string[] = [];
  for (const o of toApply) {
    const name = kubectlName(o.apiVersion, o.kind, o.metadata.name);
    const reply = await kube.apply(o, {
      fieldManager: FIELD_MANAGER,
      force: true,
      dryRun: request.dryRun,
    });
    if (reply.status === 200 || reply.status === 201) {
      results.push(
        result(
          o,
          'Synced',
          `${name} serverside-applied${
            request.dryRun ? ' (server dry run)' : ''
          }`,
        ),
      );
    } else {
      const message = apiserverMessage(reply);
      failures.push(message);
      results.push(result(o, 'SyncFailed', message, 'Failed'));
    }
  }

  for (const o of toPrune) {
    if (!request.prune) {
      results.push(result(o, 'PruneSkipped', 'ignored (requires pruning)'));
      continue;
    }
    if (request.dryRun) {
      results.push(result(o, 'Pruned', 'pruned (dry run)'));
      continue;
    }
    const reply = await kube.delete(o);
    if (reply.status === 200 || reply.status === 202 || reply.status === 404) {
      results.push(result(o, 'Pruned', 'pruned', 'Succeeded'));
    } else {
      const message = apiserverMessage(reply);
      failures.push(message);
      results.push(result(o, 'SyncFailed', message, 'Failed'));
    }
  }

  if (failures.length) {
    return {
      phase: 'Failed',
      message: `one or more objects failed to apply, reason: ${failures.join(
        ',',
      )}`,
      resources: results,
      revision,
    };
  }
  return {
    phase: 'Succeeded',
    message: request.dryRun
      ? 'successfully synced (dry run)'
      : 'successfully synced (all tasks run)',
    resources: results,
    revision,
  };
}
