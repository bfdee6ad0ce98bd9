/**
 * `POST /api/v1/applications` (the call behind `argocd:create-resources`):
 * validation, idempotent create, `upsert`, and the simulated first reconcile.
 */
import { clone, isRecord } from '../common/respond';
import { ArgoContext, enforceErr } from './context';
import { ArgoError, GrpcCode } from './errors';
import { Session } from './session';
import { primarySource, rfc3339 } from './store';
import { ApplicationInput, ApplicationSource, ArgoApplication } from './types';

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (isRecord(v)) {
    return `{${Object.keys(v)
      .sort()
      .filter(k => v[k] !== undefined)
      .map(k => `${JSON.stringify(k)}:${stable(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

const invalidSpec = (name: string, message: string) =>
  new ArgoError(
    GrpcCode.InvalidArgument,
    `application spec for ${name} is invalid: InvalidSpecError: ${message}`,
  );

/** The checks of `validateAndNormalizeApp` that a client can trip over. */
export function validateApp(ctx: ArgoContext, app: ArgoApplication): void {
  const name = app.metadata.name;
  const project = app.spec.project || 'default';
  if (!ctx.store.projects.has(project)) {
    throw new ArgoError(
      GrpcCode.InvalidArgument,
      `application references project ${project} which does not exist`,
    );
  }
  const dest = app.spec.destination ?? {};
  if (dest.name && dest.server) {
    throw new ArgoError(
      GrpcCode.InvalidArgument,
      `application destination spec for ${name} is invalid: application destination can't have both name and server defined: ${dest.name} ${dest.server}`,
    );
  }
  if (dest.name) {
    if (!ctx.clusters.some(c => c.name === dest.name)) {
      throw new ArgoError(
        GrpcCode.InvalidArgument,
        `application destination spec for ${name} is invalid: unable to find destination server: there are no clusters with this name: ${dest.name}`,
      );
    }
  } else if (!dest.server) {
    throw invalidSpec(name, 'Destination server missing from app spec');
  } else if (!ctx.clusters.some(c => c.server === dest.server)) {
    throw invalidSpec(name, `cluster '${dest.server}' has not been configured`);
  }
  const sources = app.spec.sources?.length
    ? app.spec.sources
    : [app.spec.source];
  for (const s of sources) {
    if (!s || !s.repoURL || (!s.path && !s.chart && !s.ref)) {
      throw invalidSpec(
        name,
        'spec.source.repoURL and either spec.source.path, spec.source.chart, or spec.source.ref are required',
      );
    }
  }
}

/** The status of an app the controller has not reconciled yet (Go zero values). */
function freshStatus() {
  return {
    health: {},
    summary: {},
    sync: {
      comparedTo: { destination: {}, source: { repoURL: '' } },
      status: '' as const,
    },
  };
}

function sourceTypeOf(source: ApplicationSource | undefined): string {
  if (source?.chart || source?.helm) return 'Helm';
  if (source?.kustomize) return 'Kustomize';
  return 'Directory';
}

function scheduleFirstReconcile(ctx: ArgoContext, name: string, ns: string) {
  ctx.timers.after(ctx.reconcileDelayMs, () => {
    const app = ctx.store.update(name, ns, a => {
      const source = primarySource(a);
      a.status = {
        ...a.status,
        sync: {
          status: 'OutOfSync',
          comparedTo: {
            ...(source ? { source } : {}),
            destination: a.spec.destination,
          },
        },
        health: { status: 'Missing', lastTransitionTime: rfc3339() },
        reconciledAt: rfc3339(),
        sourceType: sourceTypeOf(source),
      };
    });
    if (
      app &&
      app.spec.syncPolicy?.automated &&
      app.spec.syncPolicy.automated.enabled !== false &&
      !app.operation
    ) {
      ctx.runner.start(
        app,
        {
          sync: {
            revision: ctx.runner.resolveRevision(primarySource(app)),
            ...(app.spec.syncPolicy.syncOptions
              ? { syncOptions: app.spec.syncPolicy.syncOptions }
              : {}),
          },
          initiatedBy: { automated: true },
          retry: {},
        },
        'sync',
      );
    }
  });
}

export function createApplication(
  ctx: ArgoContext,
  session: Session,
  body: Record<string, unknown>,
  query: URLSearchParams,
): ArgoApplication {
  const metadata = body.metadata;
  if (
    !isRecord(metadata) ||
    typeof metadata.name !== 'string' ||
    metadata.name === ''
  ) {
    throw new ArgoError(
      GrpcCode.InvalidArgument,
      'application name is required',
    );
  }
  if (!isRecord(body.spec)) {
    throw new ArgoError(
      GrpcCode.InvalidArgument,
      'application spec is required',
    );
  }
  const { apiVersion: _a, kind: _k, status: _s, operation: _o, ...rest } = body;
  const app = clone(rest) as unknown as ArgoApplication;
  app.spec.project = app.spec.project || 'default';
  const ns = ctx.store.namespaceOrDefault(app.metadata.namespace);
  app.metadata.namespace = ns;
  const name = app.metadata.name;
  enforceErr(ctx, session, 'create', app.spec.project, ns, name);
  if (!ctx.store.isNamespaceEnabled(ns)) {
    throw new ArgoError(
      GrpcCode.PermissionDenied,
      `namespace '${ns}' is not permitted`,
    );
  }
  if (query.get('validate') !== 'false') validateApp(ctx, app);

  const existing = ctx.store.get(name, ns);
  if (!existing) {
    const created = ctx.store.put({
      ...(app as unknown as ApplicationInput),
      metadata: {
        name,
        namespace: ns,
        ...(app.metadata.labels ? { labels: app.metadata.labels } : {}),
        ...(app.metadata.annotations
          ? { annotations: app.metadata.annotations }
          : {}),
        ...(app.metadata.finalizers
          ? { finalizers: app.metadata.finalizers }
          : {}),
      },
      status: freshStatus(),
    });
    scheduleFirstReconcile(ctx, name, ns);
    return created;
  }
  const same =
    stable(existing.spec) === stable(app.spec) &&
    stable(existing.metadata.labels) === stable(app.metadata.labels) &&
    stable(existing.metadata.annotations) ===
      stable(app.metadata.annotations) &&
    stable(existing.metadata.finalizers) === stable(app.metadata.finalizers);
  if (same) return existing;
  if (query.get('upsert') !== 'true') {
    throw new ArgoError(
      GrpcCode.InvalidArgument,
      'existing application spec is different, use upsert flag to force update',
    );
  }
  enforceErr(ctx, session, 'update', app.spec.project, ns, name);
  return ctx.store.update(name, ns, a => {
    a.spec = app.spec;
    a.metadata.labels = app.metadata.labels;
    a.metadata.annotations = app.metadata.annotations;
    a.metadata.finalizers = app.metadata.finalizers;
    for (const k of ['labels', 'annotations', 'finalizers'] as const) {
      if (a.metadata[k] === undefined) delete a.metadata[k];
    }
    a.metadata.generation = (a.metadata.generation ?? 1) + 1;
  })!;
}
