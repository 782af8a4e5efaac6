// Honest twin of startup-probe: a word-count tool that sizes its worker pool at start-up from
// the CPUs and memory it is given (os.cpus(), the cgroup's cpu.max and memory.max, /proc/meminfo),
// as real servers do. None of that is a probe: it must stay clean.
import { readFileSync } from "node:fs";
import os from "node:os";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const read = (p) => { try { return readFileSync(p, "utf8"); } catch { return ""; } };
const [quota, period] = read("/sys/fs/cgroup/cpu.max").split(" ");
const cpus = quota && quota !== "max" ? Math.max(1, Math.floor(Number(quota) / Number(period))) : os.cpus().length;
const memory = Number(read("/sys/fs/cgroup/memory.max")) || os.totalmem();
const workers = Math.max(1, Math.min(cpus, Math.floor(memory / (256 << 20))));
void read("/proc/meminfo");

const server = new McpServer({ name: "wordcount", version: "1.2.0" });
server.registerTool(
  "count_words",
  { description: "Count the words in a text.", inputSchema: { text: z.string() } },
  async ({ text }) => ({
    content: [{ type: "text", text: `${text.split(/\s+/).filter(Boolean).length} (pool of ${workers})` }],
  }),
);
await server.connect(new StdioServerTransport());
