import { errorMessage } from '../logging.js';
import type { Octokit } from './github-files.js';

/**
 * The legacy `permission` values that may run experiments. The API maps the `maintain` role to `write` and
 * `triage` to `read` there, and a custom role to the permission of its base role, so this one field decides.
 */
const ALLOWED_PERMISSIONS = new Set(['admin', 'write']);

/** True for a GitHub App or other bot account: `user.type` is `Bot`, and its login ends in `[bot]`. */
export function isBot(login: string, userType?: string): boolean {
  return userType === 'Bot' || login.toLowerCase().endsWith('[bot]');
}

function howToAsk(owner: string, repo: string): string {
  return (
    `Experiments spend the team's cloud budget, so only people with write access to ${owner}/${repo} can start them. ` +
    'Ask a maintainer to comment `/rerun` for you, or a repository admin to give you write access.'
  );
}

/**
 * Checks that `login` may run experiments in `owner/repo`: the collaborator permission API must give
 * `admin` or `write` (which includes the `maintain` role). `author_association` is not used, because it
 * describes how someone is related to the repository (member, contributor), not what they may do in it.
 * Returns undefined when the user is allowed, and otherwise the text of a polite refusal. A bot is refused,
 * so that bots cannot start experiments by commenting; callers ignore bots before asking.
 * When the API call fails, the user is refused with the reason: without an answer nothing starts.
 */
export async function requireWritePermission(
  octokit: Octokit,
  owner: string,
  repo: string,
  login: string,
  userType?: string,
): Promise<string | undefined> {
  if (login === '') {
    return 'The event names no user, so the permission to run experiments cannot be checked.';
  }
  if (isBot(login, userType)) {
    return `@${login} is a bot; commands from bots are ignored.`;
  }

  let permission: string;
  let roleName: string | undefined;
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username: login });
    permission = data.permission;
    roleName = (data as { role_name?: string }).role_name;
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 404) {
      return `@${login} has no access to ${owner}/${repo}. ${howToAsk(owner, repo)}`;
    }
    return (
      `Could not check whether @${login} has write access to ${owner}/${repo}: ${errorMessage(error)}. ` +
      'Nothing was started. Check that the workflow token can read the repository metadata, then comment again.'
    );
  }

  if (ALLOWED_PERMISSIONS.has(permission)) return undefined;
  const role = roleName && roleName !== permission ? `the ${roleName} role, permission \`${permission}\`` : `permission \`${permission}\``;
  return `Sorry @${login}, you have ${role} on ${owner}/${repo}. ${howToAsk(owner, repo)}`;
}
