import { Entity } from '@backstage/catalog-model';
import {
  InputError,
  NotFoundError,
  NotImplementedError,
} from '@backstage/errors';
import {
  ANNOTATION_JENKINS_JOB_FULL_NAME,
  RebuildActionRequest,
  RebuildActionResponse,
  RestartActionRequest,
  RestartActionResponse,
  RollbackActionRequest,
  SyncActionRequest,
  SyncActionResponse,
} from '@internal/plugin-mlops-common';
import { ArgoCdClient } from '../../upstreams/argocd/ArgoCdClient';
import { JenkinsApi } from '../../upstreams/jenkins/JenkinsClient';
import { JobRef } from '../../upstreams/jenkins/jobName';
import { resolveArgoTarget } from './argoTarget';
import { upstreamCall } from './upstreamErrors';
import { WorkloadRestarter } from './WorkloadRestarter';

/** The upstream clients actions use; each one is optional (unconfigured → 501). */
export interface ActionsServiceOptions {
  jenkins?: JenkinsApi;
  argocd?: ArgoCdClient[];
  restarter?: WorkloadRestarter;
}

/** What an action acted on, for the audit line. */
export interface ActionOutcome<T> {
  target: string;
  result: T;
}

/**
 * The write actions of the mlops backend. Each acts only on what the entity's
 * annotations name (a Jenkins job of `jenkins.io/job-full-name`, an Argo CD
 * application its `argocd/*` annotations resolve to, a workload its
 * Kubernetes annotations match in the watch cache). Permission is decided by
 * the caller before any method here runs.
 */
export class ActionsService {
  private constructor(private readonly options: ActionsServiceOptions) {}

  static create(options: ActionsServiceOptions): ActionsService {
    return new ActionsService(options);
  }

  async rebuild(
    entity: Entity,
    request: RebuildActionRequest,
  ): Promise<ActionOutcome<RebuildActionResponse>> {
    const ref = this.jobOf(entity, request.job);
    const target = `jenkins ${ref.instance}:${ref.fullName}`;
    const result = await upstreamCall(() =>
      this.options.jenkins!.triggerBuild(
        `${ref.instance}:${ref.fullName}`,
        request.parameters ?? {},
      ),
    );
    return { target, result };
  }

  async sync(
    entity: Entity,
    request: SyncActionRequest,
  ): Promise<ActionOutcome<SyncActionResponse>> {
    const app = await resolveArgoTarget(
      entity.metadata.annotations,
      this.options.argocd ?? [],
      request,
    );
    const target = `argocd ${app.client.instance.name}/${app.name}`;
    const result = await upstreamCall(() =>
      app.client.sync(app.name, {
        ...app.scope,
        ...(request.revision ? { revision: request.revision } : {}),
        prune: request.prune ?? false,
      }),
    );
    return { target, result };
  }

  async rollback(
    entity: Entity,
    request: RollbackActionRequest,
  ): Promise<ActionOutcome<SyncActionResponse>> {
    const app = await resolveArgoTarget(
      entity.metadata.annotations,
      this.options.argocd ?? [],
      request,
    );
    const target = `argocd ${app.client.instance.name}/${app.name} to history id ${request.id}`;
    const result = await upstreamCall(() =>
      app.client.rollback(app.name, request.id, app.scope),
    );
    return { target, result };
  }

  async restart(
    entity: Entity,
    request: RestartActionRequest,
  ): Promise<ActionOutcome<RestartActionResponse>> {
    if (!this.options.restarter) {
      throw new NotImplementedError(
        'no Kubernetes cluster is configured (kubernetes.clusterLocatorMethods with type: config)',
      );
    }
    const result = await this.options.restarter.restart(entity, request);
    return {
      target: `kubernetes ${result.cluster} ${result.kind} ${result.namespace}/${result.name}`,
      result,
    };
  }

  /** The job the request names among the entity's, or its first one. */
  private jobOf(entity: Entity, wanted: string | undefined): JobRef {
    const { jenkins } = this.options;
    if (!jenkins || jenkins.config.instances.length === 0) {
      throw new NotImplementedError(
        'no Jenkins instance is configured (jenkins.instances or jenkins.baseUrl)',
      );
    }
    const parsed = jenkins.resolve(
      entity.metadata.annotations?.[ANNOTATION_JENKINS_JOB_FULL_NAME],
    );
    if (!parsed.ok) {
      if (parsed.fault === 'not-configured')
        throw new NotImplementedError(parsed.message);
      throw new InputError(parsed.message);
    }
    if (wanted === undefined) return parsed.jobs[0];
    const hits = parsed.jobs.filter(
      j => wanted === `${j.instance}:${j.fullName}` || wanted === j.fullName,
    );
    if (hits.length === 0) {
      throw new NotFoundError(
        `job "${wanted}" is not one of this entity's (${ANNOTATION_JENKINS_JOB_FULL_NAME}: ${parsed.jobs
          .map(j => `${j.instance}:${j.fullName}`)
          .join(', ')})`,
      );
    }
    if (hits.length > 1) {
      throw new InputError(
        `job "${wanted}" is on several Jenkins instances (${hits
          .map(j => j.instance)
          .join(', ')}); write it as instance:${wanted}`,
      );
    }
    return hits[0];
  }
}
