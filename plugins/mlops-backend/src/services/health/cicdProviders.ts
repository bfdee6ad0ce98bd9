import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  ANNOTATION_ARGOCD_APP_NAME,
  ANNOTATION_ARGOCD_APP_SELECTOR,
  ANNOTATION_IMAGE_REPOSITORY,
  ANNOTATION_JENKINS_JOB_FULL_NAME,
  SignalHealth,
  SignalStatus,
  SyncApp,
  SyncReport,
} from '@internal/plugin-mlops-common';
import { ArgoCdClient } from '../../upstreams/argocd/ArgoCdClient';
import { locateApps, matchApps } from '../../upstreams/argocd/locator';
import {
  readSyncReport,
  toDesiredFact,
  toSyncApp,
  toSyncFact,
} from '../../upstreams/argocd/syncReport';
import { ArgoApplication } from '../../upstreams/argocd/wire';
import { ResourceCache } from '../../upstreams/kubernetes';
import { JenkinsApi } from '../../upstreams/jenkins/JenkinsClient';
import {
  isJobProblem,
  readBuildReport,
} from '../../upstreams/jenkins/buildReport';
import { deciderBuild, toBuildFact } from '../../upstreams/jenkins/toBuildFact';
import { SignalProvider, SignalReading } from './HealthService';

const worst = (a: SignalStatus, b: SignalStatus): SignalStatus => {
  const rank: Record<SignalStatus, number> = {
    ok: 0,
    unknown: 1,
    warning: 2,
    error: 3,
  };
  return rank[b] > rank[a] ? b : a;
};

/** The build signal from Jenkins (`jenkins.io/job-full-name`, several jobs allowed). */
export function buildSignalProvider(jenkins: JenkinsApi): SignalProvider {
  return {
    signal: 'build',
    notApplicableReason: () =>
      `add the ${ANNOTATION_JENKINS_JOB_FULL_NAME} annotation`,
    async read(entity, options): Promise<SignalReading | undefined> {
      const annotation =
        entity.metadata.annotations?.[ANNOTATION_JENKINS_JOB_FULL_NAME];
      if (!annotation?.trim()) return undefined;
      const report = await readBuildReport(
        stringifyEntityRef(entity),
        annotation,
        jenkins,
      );
      const checkedAt = new Date().toISOString();
      let status: SignalStatus = 'ok';
      const parts: string[] = [];
      let problem;
      for (const job of report.jobs) {
        if (isJobProblem(job)) {
          status = 'error';
          problem ??= job.problem;
          parts.push(
            `${job.fullName}: ${job.problem.upstream} ${job.problem.message}`,
          );
          continue;
        }
        const run = deciderBuild(job);
        if (!run) {
          status = worst(status, 'unknown');
          parts.push(`${job.fullName} has no builds yet`);
          continue;
        }
        const failedStage = run.stages?.find(s => s.status === 'FAILED')?.name;
        const commit = run.commit ? ` (${run.commit.slice(0, 7)})` : '';
        if (run.building) {
          status = worst(status, 'warning');
          parts.push(
            `${job.fullName} #${run.number} is running${
              run.progressPercent !== undefined
                ? ` (${Math.round(run.progressPercent)}% of its usual time)`
                : ''
            }${commit}`,
          );
        } else if (run.result === 'SUCCESS') {
          parts.push(`${job.fullName} #${run.number} succeeded${commit}`);
        } else if (
          run.result === 'UNSTABLE' ||
          run.result === 'ABORTED' ||
          run.result === 'NOT_BUILT'
        ) {
          status = worst(status, 'warning');
          parts.push(
            `${job.fullName} #${run.number} is ${run.result
              .toLowerCase()
              .replace('_', ' ')}${commit}`,
          );
        } else {
          status = 'error';
          parts.push(
            `${job.fullName} #${run.number} failed${
              failedStage ? ` at stage ${failedStage}` : ''
            }${commit}`,
          );
        }
      }
      const first = report.jobs[0];
      const health: SignalHealth = {
        signal: 'build',
        status,
        reason: parts.join('; '),
        checkedAt,
        ...(problem ? { problem } : {}),
      };
      return {
        health,
        ...(options?.details
          ? { detail: { build: { ...report, health } } }
          : {}),
        facts: {
          build: !first
            ? undefined
            : isJobProblem(first)
            ? { problem: first.problem }
            : toBuildFact(first),
        },
      };
    },
  };
}

/**
 * Sync report from the `argoproj.io/v1alpha1` Application objects in the
 * watch cache (each cluster acts as an "instance"; `argocd/instance-name`
 * may name clusters). Used when no Argo CD REST instance is configured.
 */
export function readClusterSyncReport(
  entityRef: string,
  annotations: Record<string, string>,
  cache: ResourceCache,
): SyncReport {
  const clusters = cache.clusterNames();
  const located = locateApps(annotations, clusters);
  if (!located.ok) {
    return {
      entityRef,
      apps: [],
      problems: [
        {
          instance: '',
          problem: {
            upstream: located.annotation
              ? `annotation ${located.annotation}`
              : 'Argo CD',
            fault: located.fault,
            message: located.message,
          },
        },
      ],
    };
  }
  const apps: SyncApp[] = [];
  const problems: SyncReport['problems'] = [];
  const at = new Date();
  for (const cluster of located.locator.instances) {
    const state = cache.state(cluster, 'applications');
    if (state?.lastError) {
      problems.push({ instance: cluster, problem: state.lastError });
      continue;
    }
    const objects = cache.list(
      cluster,
      'applications',
    ) as unknown as ArgoApplication[];
    const pseudoClient = {
      instance: { name: cluster } as ArgoCdClient['instance'],
      appUrl: (name: string, namespace?: string) =>
        `kubernetes://${cluster}/apis/argoproj.io/v1alpha1/namespaces/${
          namespace ?? 'argocd'
        }/applications/${name}`,
    };
    for (const app of matchApps(objects, located.locator))
      apps.push(toSyncApp(app, pseudoClient, at));
  }
  return { entityRef, apps, problems };
}

/**
 * The sync signal: Argo CD's REST API for configured instances (Roadie's
 * annotations plus `argocd/instance-name`), else the Application objects
 * read through the Kubernetes API.
 */
export function syncSignalProvider(
  clients: ArgoCdClient[],
  cache?: ResourceCache,
): SignalProvider {
  return {
    signal: 'sync',
    notApplicableReason: () =>
      `add the ${ANNOTATION_ARGOCD_APP_NAME} (or ${ANNOTATION_ARGOCD_APP_SELECTOR}) annotation`,
    async read(entity, options): Promise<SignalReading | undefined> {
      const annotations = entity.metadata.annotations ?? {};
      if (
        !annotations[ANNOTATION_ARGOCD_APP_NAME] &&
        !annotations[ANNOTATION_ARGOCD_APP_SELECTOR]
      )
        return undefined;
      const report =
        clients.length > 0 || !cache
          ? await readSyncReport(
              stringifyEntityRef(entity),
              annotations,
              clients,
            )
          : readClusterSyncReport(
              stringifyEntityRef(entity),
              annotations,
              cache,
            );
      const checkedAt = new Date().toISOString();
      const parts: string[] = [];
      let status: SignalStatus = report.apps.length ? 'ok' : 'error';
      for (const p of report.problems) {
        status = 'error';
        parts.push(`${p.problem.upstream}: ${p.problem.message}`);
      }
      if (report.apps.length === 0 && report.problems.length === 0) {
        parts.push('no Argo CD application matches the annotations');
      }
      for (const app of report.apps) {
        const label =
          report.apps.length > 1 ? `${app.instance}/${app.name}: ` : '';
        if (
          app.operation?.phase === 'Failed' ||
          app.operation?.phase === 'Error'
        ) {
          status = 'error';
          parts.push(
            `${label}last sync ${app.operation.phase.toLowerCase()}${
              app.operation.message ? `: ${app.operation.message}` : ''
            }`,
          );
        } else if (app.sync === 'OutOfSync') {
          status = worst(status, app.autoSync ? 'warning' : 'error');
          parts.push(
            `${label}OutOfSync${
              app.autoSync ? '' : ' (auto-sync off)'
            }, health ${app.health}`,
          );
        } else if (app.health === 'Degraded' || app.health === 'Missing') {
          status = 'error';
          parts.push(
            `${label}${app.sync}, health ${app.health}${
              app.healthMessage ? `: ${app.healthMessage}` : ''
            }`,
          );
        } else if (app.health !== 'Healthy' || app.sync !== 'Synced') {
          status = worst(
            status,
            app.health === 'Unknown' || app.sync === 'Unknown'
              ? 'unknown'
              : 'warning',
          );
          parts.push(`${label}${app.sync}, health ${app.health}`);
        } else {
          parts.push(
            `${label}Synced and Healthy at ${
              app.revision?.slice(0, 7) ?? 'unknown revision'
            }`,
          );
        }
      }
      const app = report.apps[0];
      const imageRepository = annotations[ANNOTATION_IMAGE_REPOSITORY]?.split(
        '/',
      )
        .slice(1)
        .join('/');
      const problem = report.problems[0]?.problem;
      const health: SignalHealth = {
        signal: 'sync',
        status,
        reason: parts.join('; '),
        checkedAt,
        ...(problem ? { problem } : {}),
      };
      return {
        health,
        ...(options?.details
          ? { detail: { sync: { ...report, health } } }
          : {}),
        facts: app
          ? {
              sync: toSyncFact(app),
              desired: toDesiredFact(
                app,
                imageRepository ? { imageRepository } : {},
              ),
            }
          : problem
          ? { sync: { problem }, desired: { problem } }
          : {},
      };
    },
  };
}
