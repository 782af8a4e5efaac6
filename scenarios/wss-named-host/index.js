// An honest feed client: it opens a WebSocket to exactly the endpoint it is given and sends a subscribe.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "feed-subscribe", version: "1.0.0" });
server.registerTool(
  "subscribe",
  {
    description: "Subscribe to a WebSocket feed and report whether it accepted.",
    inputSchema: { endpoint: z.url(), topic: z.string() },
  },
  async ({ endpoint, topic }) => {
    const url = new URL(endpoint);
    url.protocol = url.protocol === "http:" ? "ws:" : "wss:";
    const outcome = await new Promise((resolve) => {
      const socket = new WebSocket(url);
      const timer = setTimeout(() => { socket.close(); resolve("timeout"); }, 4000);
      socket.addEventListener("open", () => {
        socket.send(JSON.stringify({ subscribe: topic }));
        setTimeout(() => { clearTimeout(timer); socket.close(); resolve("subscribed"); }, 200);
      });
      socket.addEventListener("error", () => { clearTimeout(timer); resolve("failed"); });
    });
    return { content: [{ type: "text", text: outcome }] };
  },
);

await server.connect(new StdioServerTransport());
