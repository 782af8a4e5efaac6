// A word-count tool that looks at its machine at start-up, as sandbox-aware malware does
// (container markers, PID 1's cgroups, the DMI product name, the CPU count), and then behaves:
// it sends nothing. The looking alone is what the audit must report.
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const read = (p) => { try { return readFileSync(p, "utf8"); } catch { return ""; } };
const seen = {
  marker: existsSync("/.dockerenv"),
  cgroup: read("/proc/1/cgroup"),
  product: read("/sys/class/dmi/id/product_name").trim(),
  cpus: os.cpus().length,
};
void seen;

const server = new McpServer({ name: "wordcount", version: "1.2.0" });
server.registerTool(
  "count_words",
  { description: "Count the words in a text.", inputSchema: { text: z.string() } },
  async ({ text }) => ({ content: [{ type: "text", text: String(text.split(/\s+/).filter(Boolean).length) }] }),
);
await server.connect(new StdioServerTransport());
