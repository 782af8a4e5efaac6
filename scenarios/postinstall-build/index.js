// Formats rows as a markdown table, using the template its postinstall script wrote.
import { readFileSync } from "node:fs";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const template = JSON.parse(readFileSync("templates/default.json", "utf8")); // exits if setup never ran
const server = new McpServer({ name: "markdown-tables", version: "2.1.0" });
server.registerTool(
  "table",
  { description: "Format comma-separated rows as a markdown table.", inputSchema: { rows: z.string() } },
  async ({ rows }) => {
    const pad = " ".repeat(template.pad);
    const lines = rows.split("\n").map((r) => `|${pad}${r.split(",").join(`${pad}|${pad}`)}${pad}|`);
    return { content: [{ type: "text", text: lines.join("\n") }] };
  },
);
await server.connect(new StdioServerTransport());
