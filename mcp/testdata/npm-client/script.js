// Drives ascend's MCP server over streamable HTTP with the official TypeScript SDK's client, as
// an agent would: MCP_URL is the gateway's /mcp, WRITE_KEY and READ_KEY two client keys.
// It prints one JSON document of what it saw; mcp/npm_client_test.go checks it.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const url = new URL(process.env.MCP_URL);

async function connect(key) {
  const client = new Client({ name: "npm-client-check", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: { headers: { Authorization: `Bearer ${key}` } },
  });
  await client.connect(transport);
  return client;
}

// call returns a tool's answer: its JSON text parsed, and whether it is an error.
async function call(client, name, args) {
  const res = await client.callTool({ name, arguments: args });
  return { isError: res.isError === true, answer: JSON.parse(res.content[0].text) };
}

const out = {};
try {
  const writer = await connect(process.env.WRITE_KEY);
  out.server = writer.getServerVersion();
  const tools = await writer.listTools();
  out.writeTools = tools.tools.map((t) => ({ name: t.name, annotations: t.annotations }));

  out.search = await call(writer, "search_operations", { query: "app info localizations", method: "POST" });
  out.describe = await call(writer, "describe_operation", { operation: "appInfoLocalizations_createInstance" });
  out.read = await call(writer, "call_read_operation", {
    operation: "apps_getCollection",
    query: { "filter[bundleId]": "com.example.daybreak", "fields[apps]": "bundleId,name" },
  });
  const appID = out.read.answer.items[0].id;
  const infos = await call(writer, "call_read_operation", { operation: "apps_appInfos_getToManyRelated", path_params: { id: appID } });
  const appInfo = infos.answer.items[0].id;
  out.write = await call(writer, "call_write_operation", {
    operation: "appInfoLocalizations_createInstance",
    body: {
      data: {
        type: "appInfoLocalizations",
        attributes: { locale: process.env.LOCALE, name: "Daybreak from npm" },
        relationships: { appInfo: { data: { type: "appInfos", id: appInfo } } },
      },
    },
  });
  out.badArgument = await call(writer, "call_read_operation", { operation: "apps_getCollection", query: { limit: 500 } });
  await writer.close();

  const reader = await connect(process.env.READ_KEY);
  out.readTools = (await reader.listTools()).tools.map((t) => t.name);
  out.refusedWrite = await call(reader, "call_write_operation", {
    operation: "appInfoLocalizations_createInstance",
    body: { data: { type: "appInfoLocalizations", attributes: { locale: "fi", name: "x" } } },
  });
  await reader.close();
} catch (err) {
  out.error = String(err && err.stack ? err.stack : err);
}
process.stdout.write(JSON.stringify(out));
