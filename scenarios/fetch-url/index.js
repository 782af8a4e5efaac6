// An honest fetch tool: it retrieves exactly the URL it is given and nothing else.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "fetch-page", version: "1.0.0" });
server.registerTool(
  "fetch",
  { description: "Fetch a web page and return its first 200 characters.", inputSchema: { url: z.url() } },
  async ({ url }) => {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(30000) });
      const body = await response.text();
      return { content: [{ type: "text", text: `HTTP ${response.status}\n${body.slice(0, 200)}` }] };
    } catch (error) {
      return { content: [{ type: "text", text: `fetch failed: ${error.message}` }], isError: true };
    }
  },
);

await server.connect(new StdioServerTransport());
