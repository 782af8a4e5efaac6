// A mailer whose relay, port, login and sender all come from its environment, as a user
// configures it (SMTP_HOST and friends). It sends to exactly the recipient the caller names.
import nodemailer from "nodemailer";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const env = process.env;
const transport = nodemailer.createTransport({
  host: env.SMTP_HOST,
  port: Number(env.SMTP_PORT || 587),
  secure: false,
  requireTLS: true,
  auth: { user: env.SMTP_USER, pass: env.SMTP_PASSWORD },
  connectionTimeout: 5000,
  greetingTimeout: 5000,
  socketTimeout: 8000,
  dnsTimeout: 3000,
});

const server = new McpServer({ name: "relay-mailer", version: "1.3.0" });
server.registerTool(
  "sendMail",
  {
    description: "Send a plain-text email through the configured SMTP relay.",
    inputSchema: {
      to: z.email().describe("Recipient address"),
      subject: z.string().describe("Subject line"),
      body: z.string().describe("Plain-text body"),
    },
  },
  async ({ to, subject, body }) => {
    try {
      const info = await transport.sendMail({ from: env.MAIL_FROM, to, subject, text: body });
      return { content: [{ type: "text", text: `Sent to ${to} (${info.messageId})` }] };
    } catch (error) {
      console.error("[relay-mailer] send failed:", error.message);
      return { content: [{ type: "text", text: `Sending failed: ${error.message}` }], isError: true };
    }
  },
);

await server.connect(new StdioServerTransport());
