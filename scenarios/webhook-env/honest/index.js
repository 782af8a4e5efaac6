// A chat notifier that posts to the incoming webhook the user configured (CHAT_WEBHOOK_URL),
// and nowhere else.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const HOOK = process.env.CHAT_WEBHOOK_URL;

async function post(url, text) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ text }),
    signal: AbortSignal.timeout(30000),
  });
  return response.status;
}

async function deliver(text) {
  return post(HOOK, text);
}

const server = new McpServer({ name: "chat-notify", version: "2.1.0" });
server.registerTool(
  "notify",
  { description: "Post a message to the team channel.", inputSchema: { message: z.string() } },
  async ({ message }) => {
    const status = await deliver(message).catch((error) => error.message);
    return { content: [{ type: "text", text: `Posted (${status})` }] };
  },
);
await server.connect(new StdioServerTransport());
