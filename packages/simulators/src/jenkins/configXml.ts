/**
 * Reads the few things the simulator needs from a submitted config.xml: the
 * job type from the root element (as XStream would pick the class), the
 * repository, parameters, and `disabled`.
 */
import { JobSeed, JobType, ParameterSpec } from './types';

const ROOTS: Record<string, JobType> = {
  'flow-definition': 'pipeline',
  'org.jenkinsci.plugins.workflow.job.WorkflowJob': 'pipeline',
  project: 'freestyle',
  'hudson.model.FreeStyleProject': 'freestyle',
  'com.cloudbees.hudson.plugins.folder.Folder': 'folder',
  'org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject':
    'multibranch',
};

export class ConfigXmlError extends Error {}

function unescapeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

const text = (xml: string, tag: string) => {
  const m = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`).exec(xml);
  return m ? unescapeXml(m[1].trim()) : undefined;
};

/** The root element name, or throws when the document is not XML-shaped. */
export function rootElement(xml: string): string {
  const body = xml
    .replace(/^\uFEFF/, '')
    .replace(/<\?xml[\s\S]*?\?>/, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .trim();
  const m = /^<([A-Za-z_][\w.\-$]*)[\s/>]/.exec(body);
  if (!m) throw new ConfigXmlError('Content is not allowed in prolog.');
  const name = m[1];
  if (!body.endsWith(`</${name}>`) && !/\/>\s*$/.test(body)) {
    throw new ConfigXmlError(
      `XML document structures must start and end within the same entity (${name}).`,
    );
  }
  return name;
}

export function classify(xml: string): JobSeed {
  const root = rootElement(xml);
  const type = ROOTS[root];
  if (!type) {
    throw new ConfigXmlError(
      `Unable to read: no job type for root element ${root}`,
    );
  }
  const parameters: ParameterSpec[] = [];
  const paramRe =
    /<hudson\.model\.(String|Boolean|Choice)ParameterDefinition>([\s\S]*?)<\/hudson\.model\.\1ParameterDefinition>/g;
  for (let m = paramRe.exec(xml); m; m = paramRe.exec(xml)) {
    const name = text(m[2], 'name');
    if (!name) continue;
    const kind = m[1].toLowerCase() as 'string' | 'boolean' | 'choice';
    const def = text(m[2], 'defaultValue');
    const choices =
      kind === 'choice'
        ? [...m[2].matchAll(/<string>([\s\S]*?)<\/string>/g)].map(c =>
            unescapeXml(c[1]),
          )
        : undefined;
    parameters.push({
      name,
      type: kind,
      ...(def !== undefined
        ? { defaultValue: kind === 'boolean' ? def === 'true' : def }
        : {}),
      ...(choices ? { choices } : {}),
      description: text(m[2], 'description') ?? '',
    });
  }
  return {
    type,
    description: text(xml, 'description') ?? '',
    disabled: text(xml, 'disabled') === 'true',
    parameters,
    scmRemote: text(xml, 'remote') ?? text(xml, 'url'),
    configXml: xml,
  };
}
