// Drives appstore-connect-sdk, a client generated from Apple's OpenAPI spec with
// @hey-api/openapi-ts, against an App Store Connect server (the ascend sandbox), unchanged:
// only its documented options (baseUrl, bearerToken or a key) are set.
//
// Environment:
//   ASC_BASE_URL       server base URL, e.g. http://127.0.0.1:43121 (required)
//   ASC_BEARER_TOKEN   a signed JWT to send as is; or, to let the SDK sign its own tokens:
//   ASC_KEY_ID, ASC_PRIVATE_KEY (PEM text) and ASC_ISSUER_ID (empty for an individual key)
//   ASC_PAGE_LIMIT     page size for the apps list (default 2)
//   ASC_LOCALE         locale of the app info localization to create (default "pt-PT")
//
// It prints one JSON document on stdout:
//   {pages, apps: [{id, name, bundleId}], included: N, appInfo,
//    localization: {id, locale, name}, notFound: {status, code},
//    schemaIssues: ["<operation>: <path>: <message>"]}
// and exits 1 with {"error": ...} when a call fails. Tokens and keys are never printed.
import {
  createClient,
  appsGetCollection,
  appsGetInstance,
  appsAppInfosGetToManyRelated,
  appInfoLocalizationsCreateInstance,
  zAppsGetCollectionResponse,
  zAppsGetInstanceResponse,
  zErrorResponse,
  zAppsAppInfosGetToManyRelatedResponse,
  zAppInfoLocalizationsCreateInstanceResponse,
} from "appstore-connect-sdk";

const env = process.env;
const baseUrl = env.ASC_BASE_URL;
if (!baseUrl) {
  fail("ASC_BASE_URL is not set");
}
const config = { baseUrl };
if (env.ASC_BEARER_TOKEN) {
  config.bearerToken = env.ASC_BEARER_TOKEN;
} else if (env.ASC_KEY_ID && env.ASC_PRIVATE_KEY) {
  config.privateKeyId = env.ASC_KEY_ID;
  config.privateKey = env.ASC_PRIVATE_KEY;
  if (env.ASC_ISSUER_ID) {
    config.issuerId = env.ASC_ISSUER_ID;
  }
} else {
  fail("set ASC_BEARER_TOKEN, or ASC_KEY_ID and ASC_PRIVATE_KEY");
}
const client = createClient(config);
const limit = Number(env.ASC_PAGE_LIMIT || "2");
const locale = env.ASC_LOCALE || "pt-PT";
const schemaIssues = [];

function fail(message) {
  process.stdout.write(JSON.stringify({ error: message }) + "\n");
  process.exit(1);
}

// Apple sends null for unset attributes, empty to-one relationships and a missing
// links.next, although its spec (and so the SDK's zod schemas) marks almost nothing
// nullable; a real Apple answer would fail the schemas the same way. Dropping nulls
// before checking keeps the check about what the server does populate.
function stripNulls(v) {
  if (Array.isArray(v)) {
    return v.map(stripNulls);
  }
  if (v !== null && typeof v === "object") {
    const out = {};
    for (const [k, x] of Object.entries(v)) {
      if (x !== null) {
        out[k] = stripNulls(x);
      }
    }
    return out;
  }
  return v;
}

// check validates an answer with the SDK's own zod schema for the operation.
function check(operation, schema, data) {
  const r = schema.safeParse(stripNulls(data));
  if (!r.success) {
    const clean = stripNulls(data);
    for (const issue of r.error.issues.slice(0, 20)) {
      // The offending value goes with the issue, so the test can tell a sandbox defect from
      // the SDK refusing a form Apple itself sends (timestamps with a numeric offset).
      const value = issue.path.reduce((v, k) => (v == null ? v : v[k]), clean);
      schemaIssues.push(`${operation}: ${issue.path.join(".")}: ${issue.message}: ${JSON.stringify(value)}`);
    }
  }
}

// call runs one SDK function and fails with the server's status and error on a non-2xx answer.
async function call(operation, fn, options) {
  const res = await fn({ client, ...options });
  if (res.error !== undefined || !res.response || !res.response.ok) {
    const status = res.response ? res.response.status : "no response";
    fail(`${operation}: ${status}: ${JSON.stringify(res.error)}`);
  }
  return res.data;
}

// The next page is links.next, an absolute URL holding the cursor. The SDK builds URLs
// from baseUrl and the operation's path, so its query (cursor, limit, ...) is passed on.
function nextQuery(next) {
  const u = new URL(next);
  const base = new URL(baseUrl);
  if (u.origin !== base.origin) {
    fail(`links.next points at ${u.origin}, not at ${base.origin}`);
  }
  if (u.pathname !== "/v1/apps") {
    fail(`links.next path is ${u.pathname}, want /v1/apps`);
  }
  return Object.fromEntries(u.searchParams.entries());
}

const apps = [];
let pages = 0;
let query = { limit, sort: ["name"], "fields[apps]": ["name", "bundleId", "sku"] };
for (;;) {
  const page = await call("appsGetCollection", appsGetCollection, { query });
  check("appsGetCollection", zAppsGetCollectionResponse, page);
  pages++;
  if (!Array.isArray(page.data)) {
    fail("appsGetCollection: data is not an array");
  }
  if (page.data.length > limit) {
    fail(`appsGetCollection: page has ${page.data.length} apps, limit is ${limit}`);
  }
  for (const a of page.data) {
    apps.push({ id: a.id, name: a.attributes?.name, bundleId: a.attributes?.bundleId });
  }
  const next = page.links?.next;
  if (!next) {
    break;
  }
  if (pages >= 100) {
    fail("appsGetCollection: more than 100 pages; links.next never ends");
  }
  query = nextQuery(next);
}
if (apps.length === 0) {
  fail("appsGetCollection: no apps");
}

// One app with its app infos and versions included, checked with the SDK's schema, which
// knows every resource type an app's include may bring.
const one = await call("appsGetInstance", appsGetInstance, {
  path: { id: apps[0].id },
  query: { include: ["appInfos", "appStoreVersions"], "limit[appStoreVersions]": 2 },
});
check("appsGetInstance", zAppsGetInstanceResponse, one);
const included = Array.isArray(one.included) ? one.included.length : 0;

// An unknown app: the SDK hands back Apple's ErrorResponse.
const missing = await appsGetInstance({ client, path: { id: "0000000000" } });
const notFound = { status: missing.response?.status, code: missing.error?.errors?.[0]?.code };
if (missing.error !== undefined) {
  check("appsGetInstance (404)", zErrorResponse, missing.error);
}

const infos = await call("appsAppInfosGetToManyRelated", appsAppInfosGetToManyRelated, {
  path: { id: apps[0].id },
});
check("appsAppInfosGetToManyRelated", zAppsAppInfosGetToManyRelatedResponse, infos);
if (!Array.isArray(infos.data) || infos.data.length === 0) {
  fail(`appsAppInfosGetToManyRelated: app ${apps[0].id} has no app infos`);
}
const appInfo = infos.data[0].id;

const created = await call("appInfoLocalizationsCreateInstance", appInfoLocalizationsCreateInstance, {
  body: {
    data: {
      type: "appInfoLocalizations",
      attributes: { locale, name: `${apps[0].name} (${locale})`, subtitle: "Created by the npm client" },
      relationships: { appInfo: { data: { type: "appInfos", id: appInfo } } },
    },
  },
});
check("appInfoLocalizationsCreateInstance", zAppInfoLocalizationsCreateInstanceResponse, created);

process.stdout.write(
  JSON.stringify({
    pages,
    apps,
    included,
    appInfo,
    localization: {
      id: created.data?.id,
      locale: created.data?.attributes?.locale,
      name: created.data?.attributes?.name,
    },
    notFound,
    schemaIssues,
  }) + "\n",
);
