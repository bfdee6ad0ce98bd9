/**
 * A demo service delivered by the delivery loop simulator
 * (packages/delivery-sim): its source repository and its folder of the
 * GitOps repository are what the "New model service" template generates,
 * rendered here exactly as the scaffolder's steps do (fetch-source,
 * fetch-runtime, fetch-ci into the source repository; fetch-gitops into
 * `apps/<name>/` of the GitOps repository).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LoopServiceSetup, ServingAdapter } from '@internal/delivery-sim';
import {
  GeneratedServiceValues,
  MODEL_SERVICE_TEMPLATE,
  generatedFastapiValues,
  renderSkeleton,
} from './generatedFastapi';
import { DemoServicePlan } from './scenario';
import { DEMO_REGISTRY_HOST } from './seed';

function readTree(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(path.join(dir, prefix), {
    withFileTypes: true,
  })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) Object.assign(out, readTree(dir, rel));
    else out[rel] = fs.readFileSync(path.join(dir, rel), 'utf8');
  }
  return out;
}

/** Renders the template's skeleton folders `folders` with `values` into one file map. */
function render(
  folders: string[],
  values: ReturnType<typeof generatedFastapiValues>,
): Record<string, string> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-loop-render-'));
  try {
    for (const folder of folders) {
      renderSkeleton(
        path.join(MODEL_SERVICE_TEMPLATE, 'skeleton', folder),
        values,
        tmp,
      );
    }
    return readTree(tmp);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The service's folder of the GitOps repository (`apps/<name>/…`) as the
 * template renders it, optionally with other form values (e.g. a GPU).
 */
export function gitopsFilesOf(
  plan: DemoServicePlan,
  overrides: GeneratedServiceValues = {},
): Record<string, string> {
  const values = { ...generatedFastapiValues(plan), ...overrides };
  return Object.fromEntries(
    Object.entries(render(['gitops'], values)).map(([rel, text]) => [
      `apps/${plan.name}/${rel}`,
      text,
    ]),
  );
}

/** The delivery loop's setup of a template-generated demo service. */
export function loopServiceSetup(
  plan: DemoServicePlan,
  serving?: ServingAdapter,
): LoopServiceSetup {
  if (plan.generated !== 'fastapi') {
    throw new Error(
      `${plan.name} is not a template-generated service: the delivery loop only drives those`,
    );
  }
  const values = generatedFastapiValues(plan);
  const source = render(
    ['source/common', `source/${values.runtime}`, `ci/${values.ci}`],
    values,
  );
  const gitops = gitopsFilesOf(plan);
  return {
    service: {
      name: plan.name,
      namespace: plan.namespace,
      image: `${DEMO_REGISTRY_HOST}/${plan.repository}`,
      registryRepository: plan.repository,
      jenkinsJob: plan.jenkinsJob,
      argoApp: plan.name,
      model: plan.model,
    },
    sourceFiles: source,
    gitopsFiles: gitops,
    ...(serving ? { serving } : {}),
  };
}
