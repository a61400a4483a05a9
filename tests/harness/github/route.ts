import type { Urls } from './resources.js';
import type { GitHubState, RepositoryState, TokenGrant } from './state.js';

/** What a route handler receives: the matched operation's path parameters, the query and the parsed body. */
export interface RouteRequest {
  state: GitHubState;
  urls: Urls;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown> | undefined;
  /** The request's URL path and query, for building `Link` headers. */
  url: URL;
  grant: TokenGrant;
}

export interface RouteResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Handlers by the description's `operationId`, such as `pulls/get`. */
export type Routes = Record<string, (request: RouteRequest) => RouteResponse>;

/** Builds an error body in GitHub's shape (`basic-error`), with the documentation link GitHub adds. */
export function errorResponse(status: number, message: string, extra: Record<string, unknown> = {}): RouteResponse {
  return {
    status,
    body: { message, documentation_url: 'https://docs.github.com/rest', status: String(status), ...extra },
  };
}

export function notFound(what: string): RouteResponse {
  // GitHub's message is a plain "Not Found". The stand-in names what was missing so a failing test shows it.
  return errorResponse(404, `Not Found (the stand-in has no ${what})`);
}

/** GitHub's 422 body for a field that failed a rule, with one `errors` entry per field. */
export function validationFailed(message: string, errors: Record<string, unknown>[]): RouteResponse {
  return errorResponse(422, message, { errors });
}

export function findRepository(request: RouteRequest): RepositoryState | undefined {
  return request.state.repository(`${request.params.owner}/${request.params.repo}`);
}

export function fullNameOf(repository: RepositoryState): string {
  return `${repository.owner}/${repository.name}`;
}

/** GitHub's page size when `per_page` is absent, and its maximum. */
const DEFAULT_PER_PAGE = 30;
const MAX_PER_PAGE = 100;

/**
 * Cuts one page out of `items` and builds the `Link` header (first, prev, next, last) that Octokit's
 * paginate follows. `per_page` above 100 is served as 100, as GitHub does.
 */
export function paginate<T>(items: T[], request: RouteRequest): { page: T[]; headers: Record<string, string> } {
  const perPage = Math.min(Math.max(Number(request.query.get('per_page') ?? DEFAULT_PER_PAGE) || DEFAULT_PER_PAGE, 1), MAX_PER_PAGE);
  const pageNumber = Math.max(Number(request.query.get('page') ?? 1) || 1, 1);
  const lastPage = Math.max(Math.ceil(items.length / perPage), 1);
  const page = items.slice((pageNumber - 1) * perPage, pageNumber * perPage);

  const link = (target: number, rel: string) => {
    const url = new URL(request.url.pathname, request.urls.api);
    for (const [key, value] of request.query) url.searchParams.set(key, value);
    url.searchParams.set('per_page', String(perPage));
    url.searchParams.set('page', String(target));
    return `<${url.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (pageNumber > 1) links.push(link(pageNumber - 1, 'prev'));
  if (pageNumber < lastPage) links.push(link(pageNumber + 1, 'next'), link(lastPage, 'last'));
  if (pageNumber > 1) links.push(link(1, 'first'));

  return { page, headers: links.length > 0 ? { link: links.join(', ') } : {} };
}
