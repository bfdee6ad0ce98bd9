/**
 * Jenkins objects as Stapler would export them: `_class`, visibilities that
 * make depth=0 show `name,url,color` for nested jobs and `number,url` for
 * nested builds, `actions[]` with `{}` noise and one BuildData per checkout,
 * `builds[]` capped at 100 (newest first), `allBuilds` only via `tree`.
 */
import { Bean, Raw, Value, prop } from './bean';
import {
  CHECKOUT_STAGE,
  Cause,
  JenkinsBuild,
  JenkinsJob,
  JenkinsWorld,
  QueueItem,
  decodeBranchName,
  isContainer,
} from './state';
import { BuildResult, ParameterSpec } from './types';

export const CLASS = {
  root: 'hudson.model.Hudson',
  folder: 'com.cloudbees.hudson.plugins.folder.Folder',
  multibranch:
    'org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject',
  pipeline: 'org.jenkinsci.plugins.workflow.job.WorkflowJob',
  freestyle: 'hudson.model.FreeStyleProject',
  workflowRun: 'org.jenkinsci.plugins.workflow.job.WorkflowRun',
  freestyleBuild: 'hudson.model.FreeStyleBuild',
} as const;

const MAX_BUILDS = 100;

const PARAM_DEFINITION_CLASS = {
  string: 'hudson.model.StringParameterDefinition',
  boolean: 'hudson.model.BooleanParameterDefinition',
  choice: 'hudson.model.ChoiceParameterDefinition',
} as const;

/** `HealthReport` icons by score band. */
function healthIcon(score: number): string {
  if (score > 80) return '80plus';
  if (score > 60) return '60to79';
  if (score > 40) return '40to59';
  if (score > 20) return '20to39';
  return '00to19';
}

function defaultParameterValue(p: ParameterSpec): string | boolean {
  if (p.defaultValue !== undefined) return p.defaultValue;
  if (p.type === 'boolean') return false;
  if (p.type === 'choice') return p.choices?.[0] ?? '';
  return '';
}

export class Renderer {
  constructor(
    private readonly world: JenkinsWorld,
    private readonly rootUrl: string,
  ) {}

  /** `job/a/job/b/` (each name raw-encoded, so `feature%2Fx` → `feature%252Fx`). */
  relUrl(job: JenkinsJob): string {
    return this.world
      .pathOf(job)
      .map(j => `job/${encodeURIComponent(j.name)}/`)
      .join('');
  }

  jobUrl(job: JenkinsJob): string {
    return job === this.world.root
      ? this.rootUrl
      : `${this.rootUrl}${this.relUrl(job)}`;
  }

  buildUrl(job: JenkinsJob, b: JenkinsBuild): string {
    return `${this.jobUrl(job)}${b.number}/`;
  }

  displayName(job: JenkinsJob): string {
    if (job.displayName) return job.displayName;
    return job.parent?.type === 'multibranch'
      ? decodeBranchName(job.name)
      : job.name;
  }

  fullDisplayName(job: JenkinsJob): string {
    return this.world
      .pathOf(job)
      .map(j => this.displayName(j))
      .join(' » ');
  }

  color(job: JenkinsJob): string {
    if (job.disabled) return 'disabled';
    const builds = job.builds;
    if (builds.length === 0) return 'notbuilt';
    return runColor(builds, builds.length - 1);
  }

  private classOfRun(job: JenkinsJob) {
    return job.type === 'freestyle' ? CLASS.freestyleBuild : CLASS.workflowRun;
  }

  /** A nested run reference: `{_class, number, url}` at depth 0. */
  private runRef(job: JenkinsJob, b: JenkinsBuild | undefined): Value {
    return b ? () => this.build(job, b) : null;
  }

  private causeBean(c: Cause): Bean {
    const props = [prop('shortDescription', c.shortDescription, 3)];
    if (c.cls.endsWith('UserIdCause')) {
      props.push(
        prop('userId', c.userId ?? null, 3),
        prop('userName', c.userName ?? null, 3),
      );
    }
    return new Bean(c.cls, props);
  }

  private buildData(
    remoteUrl: string,
    sha: string,
    branch: string,
    number: number,
  ): Bean {
    const revision = { SHA1: sha, branch: [{ SHA1: sha, name: branch }] };
    return new Bean('hudson.plugins.git.util.BuildData', [
      prop(
        'buildsByBranchName',
        new Raw({
          [branch]: {
            _class: 'hudson.plugins.git.util.Build',
            buildNumber: number,
            buildResult: null,
            marked: revision,
            revision,
          },
        }),
        999,
      ),
      prop('lastBuiltRevision', new Raw(revision), 999),
      prop('remoteUrls', [remoteUrl], 999),
      prop('scmName', '', 999),
    ]);
  }

  private buildActions(job: JenkinsJob, b: JenkinsBuild): Value[] {
    const actions: Value[] = [
      new Bean('hudson.model.CauseAction', [
        prop(
          'causes',
          b.causes.map(c => this.causeBean(c)),
          2,
        ),
      ]),
    ];
    if (b.parameters) {
      const params = Object.entries(b.parameters).map(
        ([name, value]) =>
          new Bean(
            typeof value === 'boolean'
              ? 'hudson.model.BooleanParameterValue'
              : 'hudson.model.StringParameterValue',
            [prop('name', name, 3), prop('value', value, 3)],
          ),
      );
      actions.push(
        new Bean('hudson.model.ParametersAction', [
          prop('parameters', params, 2),
        ]),
      );
    }
    actions.push(new Bean(undefined, []));
    for (const s of b.scm) {
      actions.push(
        this.buildData(
          s.remoteUrl,
          s.sha,
          s.branch ?? 'refs/remotes/origin/main',
          b.number,
        ),
      );
    }
    actions.push(new Bean(undefined, []));
    if (job.type === 'pipeline') {
      actions.push(
        new Bean('org.jenkinsci.plugins.workflow.cps.EnvActionImpl', []),
      );
      actions.push(new Bean(undefined, []));
      actions.push(
        new Bean(
          'org.jenkinsci.plugins.pipeline.modeldefinition.actions.RestartDeclarativePipelineAction',
          [],
        ),
      );
      actions.push(
        new Bean(
          'org.jenkinsci.plugins.workflow.job.views.FlowGraphAction',
          [],
        ),
      );
    }
    return actions;
  }

  private changeSets(b: JenkinsBuild): Value[] {
    if (b.changes.length === 0) return [];
    return [
      new Bean('hudson.plugins.git.GitChangeSetList', [
        prop(
          'items',
          b.changes.map(
            c =>
              new Bean('hudson.plugins.git.GitChangeSet', [
                prop('affectedPaths', [], 999),
                prop('commitId', c.commitId, 999),
                prop('timestamp', c.timestamp ?? b.timestamp, 999),
                prop(
                  'author',
                  new Raw({
                    absoluteUrl: `${this.rootUrl}user/${c.author ?? 'dev'}`,
                    fullName: c.author ?? 'dev',
                  }),
                  999,
                ),
                prop(
                  'authorEmail',
                  c.authorEmail ?? `${c.author ?? 'dev'}@example.test`,
                  999,
                ),
                prop('comment', `${c.msg}\n`, 999),
                prop('id', c.commitId, 999),
                prop('msg', c.msg, 999),
              ]),
          ),
          999,
        ),
        prop('kind', 'git', 999),
      ]),
    ];
  }

  build(job: JenkinsJob, b: JenkinsBuild): Bean {
    const idx = job.builds.indexOf(b);
    const prev = idx > 0 ? job.builds[idx - 1] : undefined;
    const next =
      idx >= 0 && idx < job.builds.length - 1 ? job.builds[idx + 1] : undefined;
    const props = [
      prop('actions', () => this.buildActions(job, b)),
      prop('artifacts', []),
      prop('building', b.building),
      prop('description', b.description),
      prop('displayName', b.displayName ?? `#${b.number}`),
      prop('duration', b.building ? 0 : b.duration),
      prop('estimatedDuration', this.world.estimatedDuration(job)),
      prop(
        'executor',
        b.building ? new Raw({ _class: 'hudson.model.OneOffExecutor' }) : null,
      ),
      prop(
        'fullDisplayName',
        `${this.fullDisplayName(job)} ${b.displayName ?? `#${b.number}`}`,
      ),
      prop('id', String(b.number)),
      prop('keepLog', false),
      prop('number', b.number, 3),
      prop('queueId', b.queueId),
      prop('result', b.result),
      prop('timestamp', b.timestamp),
      prop('url', this.buildUrl(job, b), 3),
    ];
    if (job.type === 'freestyle') {
      props.push(
        prop('builtOn', ''),
        prop(
          'changeSet',
          () =>
            this.changeSets(b)[0] ??
            new Bean('hudson.scm.EmptyChangeLogSet', [
              prop('items', [], 999),
              prop('kind', null, 999),
            ]),
        ),
        prop('culprits', []),
      );
    } else {
      props.push(
        prop('changeSets', () => this.changeSets(b)),
        prop('culprits', []),
        prop('inProgress', b.building),
      );
    }
    props.push(
      prop('nextBuild', this.runRef(job, next)),
      prop('previousBuild', this.runRef(job, prev)),
    );
    return new Bean(this.classOfRun(job), props);
  }

  private healthReport(job: JenkinsJob): Value[] {
    const recent = job.builds.filter(b => !b.building).slice(-5);
    if (recent.length === 0) return [];
    const failed = recent.filter(b => b.result === 'FAILURE').length;
    const score = Math.round(100 - (failed * 100) / recent.length);
    const icon = healthIcon(score);
    return [
      new Bean(undefined, [
        prop(
          'description',
          `Build stability: ${
            failed === 0
              ? 'No recent builds failed.'
              : `${failed} out of the last ${recent.length} builds failed.`
          }`,
          2,
        ),
        prop('iconClassName', `icon-health-${icon}`, 2),
        prop('iconUrl', `health-${icon}.png`, 2),
        prop('score', score, 2),
      ]),
    ];
  }

  private parameterProperty(job: JenkinsJob): Value[] {
    if (job.parameters.length === 0) return [];
    const defs = job.parameters.map(p => {
      const type = p.type ?? 'string';
      const cls = PARAM_DEFINITION_CLASS[type];
      const def = defaultParameterValue(p);
      const props = [
        prop(
          'defaultParameterValue',
          new Bean(
            type === 'boolean'
              ? 'hudson.model.BooleanParameterValue'
              : 'hudson.model.StringParameterValue',
            [prop('name', p.name, 999), prop('value', def, 999)],
          ),
          3,
        ),
        prop('description', p.description ?? '', 3),
        prop('name', p.name, 3),
        prop('type', cls.split('.').pop()!, 3),
      ];
      if (type === 'choice') props.push(prop('choices', p.choices ?? [], 3));
      return new Bean(cls, props);
    });
    return [
      new Bean('hudson.model.ParametersDefinitionProperty', [
        prop('parameterDefinitions', defs, 2),
      ]),
    ];
  }

  queueItemBean(item: QueueItem): Bean {
    const job = item.job;
    const now = this.world.now();
    const left = item.state === 'left';
    const actions: Value[] = [
      new Bean('hudson.model.CauseAction', [
        prop(
          'causes',
          item.causes.map(c => this.causeBean(c)),
          2,
        ),
      ]),
    ];
    if (item.parameters) {
      actions.push(
        new Bean('hudson.model.ParametersAction', [
          prop(
            'parameters',
            Object.entries(item.parameters).map(
              ([name, value]) =>
                new Bean('hudson.model.StringParameterValue', [
                  prop('name', name, 3),
                  prop('value', value, 3),
                ]),
            ),
            2,
          ),
        ]),
      );
    }
    const blocker = this.world.blockedBy(item);
    const blocked = Boolean(blocker) && item.leaveAt <= now;
    const props = [
      prop('actions', actions),
      prop('blocked', blocked),
      prop('buildable', false),
      prop('id', item.id),
      prop('inQueueSince', item.inQueueSince),
      prop(
        'params',
        item.parameters
          ? Object.entries(item.parameters)
              .map(([k, v]) => `\n${k}=${v}`)
              .join('')
          : '',
      ),
      prop('stuck', false),
      prop('task', () => this.job(job)),
      prop('url', `queue/item/${item.id}/`),
      prop('why', left ? null : this.why(item, blocked ? blocker : undefined)),
    ];
    if (left) {
      props.push(
        prop('cancelled', item.cancelled ?? false),
        prop(
          'executable',
          item.build ? () => this.build(job, item.build!) : null,
        ),
      );
    } else if (!blocked) {
      props.push(prop('timestamp', item.leaveAt));
    }
    let cls = 'hudson.model.Queue$WaitingItem';
    if (left) cls = 'hudson.model.Queue$LeftItem';
    else if (blocked) cls = 'hudson.model.Queue$BlockedItem';
    return new Bean(cls, props);
  }

  /** `Queue.Item.getWhy`: the quiet period, or `BlockedBecauseOfBuildInProgress`. */
  private why(item: QueueItem, blocker: JenkinsBuild | undefined): string {
    const now = this.world.now();
    if (!blocker)
      return `In the quiet period. Expires in ${formatSpan(
        item.leaveAt - now,
      )}`;
    const estimate = this.world.estimatedDuration(item.job);
    const eta =
      estimate > 0
        ? ` (ETA: ${formatSpan(blocker.timestamp + estimate - now)})`
        : '';
    return `Build #${blocker.number} is already in progress${eta}`;
  }

  queueBean(): Bean {
    const waiting = [...this.world.queue.values()].filter(
      i => i.state === 'waiting',
    );
    return new Bean('hudson.model.Queue', [
      prop('discoverableItems', []),
      prop('items', () => waiting.map(i => this.queueItemBean(i)), 1, true),
    ]);
  }

  private jobCommon(job: JenkinsJob) {
    return [
      prop('actions', [
        new Bean(undefined, []),
        new Bean(undefined, []),
        new Bean('com.cloudbees.plugins.credentials.ViewCredentialsAction', []),
      ]),
      prop('description', job.description),
      prop('displayName', this.displayName(job)),
      prop(
        'displayNameOrNull',
        job.displayName ??
          (job.parent?.type === 'multibranch' ? this.displayName(job) : null),
      ),
      prop('fullDisplayName', this.fullDisplayName(job)),
      prop('fullName', this.world.fullNameOf(job)),
      prop('name', job.name, 999),
      prop('url', this.jobUrl(job), 999),
    ];
  }

  job(job: JenkinsJob): Bean {
    if (job === this.world.root) return this.rootBean();
    if (isContainer(job)) {
      return new Bean(
        job.type === 'multibranch' ? CLASS.multibranch : CLASS.folder,
        [
          ...this.jobCommon(job),
          prop('healthReport', () => []),
          prop('jobs', () => [...job.children.values()].map(c => this.job(c))),
          prop(
            'primaryView',
            new Raw({
              _class: 'hudson.model.AllView',
              name: 'All',
              url: this.jobUrl(job),
            }),
          ),
          prop(
            'views',
            new Raw([
              {
                _class: 'hudson.model.AllView',
                name: 'All',
                url: this.jobUrl(job),
              },
            ]),
          ),
        ],
      );
    }
    const builds = job.builds;
    const completed = builds.filter(b => !b.building);
    const lastWith = (pred: (r: BuildResult | null) => boolean) =>
      [...completed].reverse().find(b => pred(b.result));
    const queued = [...this.world.queue.values()].find(
      i => i.state === 'waiting' && i.job === job,
    );
    const props = [
      ...this.jobCommon(job),
      prop('buildable', !job.disabled),
      prop('builds', () =>
        [...builds]
          .reverse()
          .slice(0, MAX_BUILDS)
          .map(b => this.build(job, b)),
      ),
      prop('color', this.color(job), 2),
      prop('firstBuild', this.runRef(job, builds[0])),
      prop('healthReport', () => this.healthReport(job)),
      prop('inQueue', Boolean(queued)),
      prop('keepDependencies', false),
      prop('lastBuild', this.runRef(job, builds[builds.length - 1])),
      prop(
        'lastCompletedBuild',
        this.runRef(job, completed[completed.length - 1]),
      ),
      prop(
        'lastFailedBuild',
        this.runRef(
          job,
          lastWith(r => r === 'FAILURE'),
        ),
      ),
      prop(
        'lastStableBuild',
        this.runRef(
          job,
          lastWith(r => r === 'SUCCESS'),
        ),
      ),
      prop(
        'lastSuccessfulBuild',
        this.runRef(
          job,
          lastWith(r => r === 'SUCCESS' || r === 'UNSTABLE'),
        ),
      ),
      prop(
        'lastUnstableBuild',
        this.runRef(
          job,
          lastWith(r => r === 'UNSTABLE'),
        ),
      ),
      prop(
        'lastUnsuccessfulBuild',
        this.runRef(
          job,
          lastWith(r => r !== 'SUCCESS'),
        ),
      ),
      prop('nextBuildNumber', job.nextBuildNumber),
      prop('property', () => this.parameterProperty(job)),
      prop('queueItem', queued ? () => this.queueItemBean(queued) : null),
      prop('concurrentBuild', false),
      prop('disabled', job.disabled),
      prop(
        'allBuilds',
        () => [...builds].reverse().map(b => this.build(job, b)),
        -2,
      ),
    ];
    if (job.type === 'pipeline') props.push(prop('resumeBlocked', false));
    else props.push(prop('scm', new Bean('hudson.scm.NullSCM', [])));
    return new Bean(
      job.type === 'freestyle' ? CLASS.freestyle : CLASS.pipeline,
      props,
    );
  }

  rootBean(): Bean {
    const root = this.world.root;
    return new Bean(CLASS.root, [
      prop('assignedLabels', new Raw([{ name: 'built-in' }])),
      prop('mode', 'NORMAL'),
      prop('nodeDescription', 'the Jenkins simulator built-in node'),
      prop('nodeName', ''),
      prop('numExecutors', 2),
      prop('description', 'Jenkins simulator (not a real Jenkins)'),
      prop('jobs', () => [...root.children.values()].map(c => this.job(c))),
      prop('overallLoad', new Raw({})),
      prop(
        'primaryView',
        new Raw({
          _class: 'hudson.model.AllView',
          name: 'all',
          url: this.rootUrl,
        }),
      ),
      prop('quietDownReason', null),
      prop('quietingDown', false),
      prop('slaveAgentPort', -1),
      prop(
        'unlabeledLoad',
        new Raw({ _class: 'jenkins.model.UnlabeledLoadStatistics' }),
      ),
      prop('url', this.rootUrl),
      prop('useCrumbs', true),
      prop('useSecurity', true),
      prop(
        'views',
        new Raw([
          { _class: 'hudson.model.AllView', name: 'all', url: this.rootUrl },
        ]),
      ),
    ]);
  }
}

const RESULT_COLOR: Record<BuildResult, string> = {
  SUCCESS: 'blue',
  UNSTABLE: 'yellow',
  FAILURE: 'red',
  NOT_BUILT: 'notbuilt',
  ABORTED: 'aborted',
};

/** `Run.getIconColor`: a running build shows the previous color with `_anime`. */
function runColor(builds: JenkinsBuild[], idx: number): string {
  const b = builds[idx];
  if (!b.building) return b.result ? RESULT_COLOR[b.result] : 'notbuilt';
  const base =
    idx > 0 ? runColor(builds, idx - 1).replace(/_anime$/, '') : 'notbuilt';
  return `${base}_anime`;
}

/** `Util.getTimeSpanString` for short spans. */
export function formatSpan(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 10) return `${s.toFixed(1)} sec`;
  if (s < 60) return `${Math.floor(s)} sec`;
  return `${Math.floor(s / 60)} min ${Math.floor(s % 60)} sec`;
}

export { CHECKOUT_STAGE };
