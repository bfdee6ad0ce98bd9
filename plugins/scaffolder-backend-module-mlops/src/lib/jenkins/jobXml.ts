import { createHash } from 'node:crypto';

/** Escapes text for XML element content and attribute values. */
export function xmlEscape(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** config.xml of an empty folder (cloudbees-folder plugin). */
export function folderXml(description = ''): string {
  return `<?xml version='1.1' encoding='UTF-8'?>
<com.cloudbees.hudson.plugins.folder.Folder>
  <description>${xmlEscape(description)}</description>
  <properties/>
</com.cloudbees.hudson.plugins.folder.Folder>
`;
}

/**
 * config.xml of a multibranch Pipeline job: one git branch source
 * (GitSCMSource with BranchDiscoveryTrait) and a Jenkinsfile script path.
 */
export function multibranchJobXml(options: {
  jobFullName: string;
  repoUrl: string;
  credentialsId?: string;
  scriptPath: string;
  description?: string;
}): string {
  const sourceId = createHash('sha256')
    .update(`${options.jobFullName}\n${options.repoUrl}`)
    .digest('hex')
    .slice(0, 32);
  const credentials = options.credentialsId
    ? `\n            <credentialsId>${xmlEscape(
        options.credentialsId,
      )}</credentialsId>`
    : '';
  return `<?xml version='1.1' encoding='UTF-8'?>
<org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject>
  <description>${xmlEscape(options.description ?? '')}</description>
  <properties/>
  <orphanedItemStrategy class="com.cloudbees.hudson.plugins.folder.computed.DefaultOrphanedItemStrategy">
    <pruneDeadBranches>true</pruneDeadBranches>
    <daysToKeep>-1</daysToKeep>
    <numToKeep>-1</numToKeep>
  </orphanedItemStrategy>
  <sources class="jenkins.branch.MultiBranchProject$BranchSourceList">
    <data>
      <jenkins.branch.BranchSource>
        <source class="jenkins.plugins.git.GitSCMSource">
            <id>${sourceId}</id>
            <remote>${xmlEscape(options.repoUrl)}</remote>${credentials}
            <traits>
              <jenkins.plugins.git.traits.BranchDiscoveryTrait/>
            </traits>
        </source>
      </jenkins.branch.BranchSource>
    </data>
  </sources>
  <factory class="org.jenkinsci.plugins.workflow.multibranch.WorkflowBranchProjectFactory">
    <scriptPath>${xmlEscape(options.scriptPath)}</scriptPath>
  </factory>
</org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject>
`;
}
