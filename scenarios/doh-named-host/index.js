// An honest link checker: resolves the host of the URL it is given over DoH (JSON API), then fetches it.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "link-check", version: "1.2.0" });
server.registerTool(
  "check_link",
  { description: "Check that a link resolves and answers.", inputSchema: { url: z.url() } },
  async ({ url }) => {
    const host = new URL(url).hostname;
    let answer = "unresolved";
    try {
      const response = await fetch(`https://cloudflare-dns.com/dns-query?name=${host}&type=A`, {
        headers: { accept: "application/dns-json" },
        signal: AbortSignal.timeout(30000),
      });
      const json = await response.json();
      answer = (json.Answer || []).map((a) => a.data).join(",") || "no address";
      const page = await fetch(url, { signal: AbortSignal.timeout(30000) });
      answer += ` HTTP ${page.status}`;
    } catch (error) {
      answer = `failed: ${error.message}`;
    }
    return { content: [{ type: "text", text: `${host}: ${answer}` }] };
  },
);

await server.connect(new StdioServerTransport());
