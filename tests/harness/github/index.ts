/**
 * A stand-in for the parts of GitHub that the action talks to (REST API and the Actions ID token service),
 * checked against GitHub's OpenAPI description, with real webhook payloads and a runner environment.
 */
export { startGitHubStandIn, type GitHubStandIn, type RecordedRequest, type StandInOptions, type Violation } from './server.js';
export {
  GitHubState,
  GITHUB_ACTIONS_BOT,
  type Actor,
  type CheckRunState,
  type CommentState,
  type PullRequestState,
  type RepositoryState,
  type RoleName,
} from './state.js';
export { checkRunEvent, issueCommentEvent, pullRequestEvent, pushEvent, webhookExample, type WebhookEvent } from './payloads.js';
export { inputVariable, runnerEnv, type RunnerOptions } from './runner-env.js';
export { decodeClaims, ISSUER, subjectClaim, type JobContext } from './oidc.js';
