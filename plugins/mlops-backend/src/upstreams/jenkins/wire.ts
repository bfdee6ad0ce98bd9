import { z } from 'zod';

/**
 * The parts of Jenkins' JSON API and the Stage View REST API that the client
 * reads, as they arrive on the wire. Everything is optional or nullable:
 * `tree` drops what an item does not have, `actions[]` holds `{}` noise, and
 * plugins add fields of their own.
 */

const nullableString = z.string().nullable().optional();
const nullableNumber = z.number().nullable().optional();

export const wireCause = z.object({
  _class: z.string().optional(),
  shortDescription: nullableString,
  userId: nullableString,
});

export const wireParameter = z.object({
  _class: z.string().optional(),
  name: z.string(),
  value: z.unknown().optional(),
});

export const wireBranchRef = z.object({
  SHA1: nullableString,
  name: nullableString,
});

/** Any entry of `actions[]`; which one it is shows in `_class` or in its fields. */
export const wireAction = z
  .object({
    _class: z.string().optional(),
    causes: z.array(wireCause).nullable().optional(),
    parameters: z.array(wireParameter).nullable().optional(),
    remoteUrls: z.array(z.string()).nullable().optional(),
    lastBuiltRevision: z
      .object({
        SHA1: nullableString,
        branch: z.array(wireBranchRef).nullable().optional(),
      })
      .nullable()
      .optional(),
  })
  .nullable();

export const wireBuild = z.object({
  _class: z.string().optional(),
  number: z.number().int(),
  url: z.string().optional(),
  result: nullableString,
  building: z.boolean().nullable().optional(),
  duration: nullableNumber,
  estimatedDuration: nullableNumber,
  timestamp: nullableNumber,
  actions: z.array(wireAction).nullable().optional(),
});

export const wireChildJob = z.object({
  _class: z.string().optional(),
  name: z.string(),
  url: z.string().optional(),
  color: nullableString,
  lastBuild: wireBuild.nullable().optional(),
});

export const wireJob = z.object({
  _class: z.string().optional(),
  name: z.string().optional(),
  fullName: z.string().optional(),
  displayName: nullableString,
  url: z.string().optional(),
  color: nullableString,
  buildable: z.boolean().nullable().optional(),
  inQueue: z.boolean().nullable().optional(),
  builds: z.array(wireBuild).nullable().optional(),
  jobs: z.array(wireChildJob).nullable().optional(),
});

export const wireStage = z.object({
  id: z.union([z.string(), z.number()]),
  name: z.string(),
  status: z.string(),
  startTimeMillis: nullableNumber,
  durationMillis: nullableNumber,
  error: z
    .object({ message: nullableString, type: nullableString })
    .nullable()
    .optional(),
});

export const wireRun = z.object({
  id: z.union([z.string(), z.number()]),
  name: z.string().optional(),
  status: z.string().optional(),
  stages: z.array(wireStage).nullable().optional(),
});

export const wireRuns = z.array(wireRun);

export const wireCrumb = z.object({
  crumb: z.string().min(1),
  crumbRequestField: z.string().min(1),
});

export type WireBuild = z.infer<typeof wireBuild>;
export type WireJob = z.infer<typeof wireJob>;
export type WireChildJob = z.infer<typeof wireChildJob>;
export type WireRun = z.infer<typeof wireRun>;

/** Job classes we tell apart (`_class`). */
export const CLASS = {
  workflowJob: 'org.jenkinsci.plugins.workflow.job.WorkflowJob',
  multibranch:
    'org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject',
  folder: 'com.cloudbees.hudson.plugins.folder.Folder',
  freestyle: 'hudson.model.FreeStyleProject',
} as const;

/** Fields of a build, read for every build and for every branch's last build. */
const ACTIONS =
  'actions[_class,causes[_class,shortDescription,userId],parameters[_class,name,value],remoteUrls,lastBuiltRevision[SHA1,branch[SHA1,name]]]';
const BUILD_FIELDS = `number,url,result,building,duration,estimatedDuration,timestamp,${ACTIONS}`;

/**
 * The one `tree` query per job. `builds` and `jobs` each carry exactly one
 * range: a second range on the same element (`{0,50}{0,20}`) makes Jenkins
 * answer 500. A pipeline has no `jobs`, a multibranch project no `builds`;
 * `tree` leaves out what the item lacks, so one query fits both.
 */
export function jobTree(options: {
  maxBuilds: number;
  maxBranches: number;
}): string {
  return [
    '_class,name,fullName,displayName,url,color,buildable,inQueue',
    `builds[${BUILD_FIELDS}]{0,${options.maxBuilds}}`,
    `jobs[_class,name,url,color,lastBuild[${BUILD_FIELDS}]]{0,${options.maxBranches}}`,
  ].join(',');
}
