#!/usr/bin/env node
// Postmark MCP connector: send email and read templates and delivery stats
// through the Postmark HTTP API, over the MCP stdio transport.
//
// Stdout carries the MCP protocol only; every diagnostic goes to stderr.

import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import postmark from "postmark";
import { z } from "zod";

const serverToken = process.env.POSTMARK_SERVER_TOKEN;
const defaultSender = process.env.DEFAULT_SENDER_EMAIL;
const defaultMessageStream = process.env.DEFAULT_MESSAGE_STREAM || "outbound";

function log(...parts) {
  console.error("[postmark-mcp]", ...parts);
}

function text(message) {
  return { content: [{ type: "text", text: message }] };
}

function failure(action, error) {
  const detail = error && error.message ? error.message : String(error);
  log(`${action} failed:`, detail);
  return { ...text(`Failed to ${action}: ${detail}`), isError: true };
}

function registerTools(server, client) {
  server.registerTool(
    "sendEmail",
    {
      title: "Send email",
      description:
        "Send a single email through Postmark to one recipient. " +
        "Uses the configured default sender unless `from` is given.",
      inputSchema: {
        to: z.email().describe("Recipient email address"),
        subject: z.string().min(1).describe("Email subject line"),
        textBody: z.string().describe("Plain-text body of the email"),
        htmlBody: z.string().optional().describe("HTML body of the email (optional)"),
        from: z.email().optional().describe("Sender address (optional; defaults to the configured sender)"),
        tag: z.string().optional().describe("Tag used to group the message in Postmark statistics (optional)"),
      },
      annotations: { destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    async ({ to, subject, textBody, htmlBody, from, tag }) => {
      const message = {
        From: from || defaultSender,
        To: to,
        Subject: subject,
        TextBody: textBody,
        MessageStream: defaultMessageStream,
        TrackOpens: true,
        TrackLinks: "HtmlAndText",
      };
      if (htmlBody) message.HtmlBody = htmlBody;
      if (tag) message.Tag = tag;
      try {
        const result = await client.sendEmail(message);
        log("email sent:", result.MessageID);
        return text(`Email sent successfully!\nMessageID: ${result.MessageID}\nTo: ${to}\nSubject: ${subject}`);
      } catch (error) {
        return failure("send email", error);
      }
    },
  );

  server.registerTool(
    "sendEmailWithTemplate",
    {
      title: "Send email with template",
      description:
        "Send an email rendered from a Postmark template, chosen by numeric `templateId` or by " +
        "`templateAlias` (exactly one of the two), filled in with `templateModel`.",
      inputSchema: {
        to: z.email().describe("Recipient email address"),
        templateId: z.number().int().positive().optional().describe("Template ID (use this or templateAlias)"),
        templateAlias: z.string().min(1).optional().describe("Template alias (use this or templateId)"),
        templateModel: z.record(z.string(), z.unknown()).describe("Values for the template's variables"),
        from: z.email().optional().describe("Sender address (optional; defaults to the configured sender)"),
        tag: z.string().optional().describe("Tag used to group the message in Postmark statistics (optional)"),
      },
      annotations: { destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    async ({ to, templateId, templateAlias, templateModel, from, tag }) => {
      if ((templateId === undefined) === (templateAlias === undefined)) {
        return { ...text("Provide exactly one of templateId or templateAlias."), isError: true };
      }
      const message = {
        From: from || defaultSender,
        To: to,
        TemplateModel: templateModel,
        MessageStream: defaultMessageStream,
        TrackOpens: true,
        TrackLinks: "HtmlAndText",
      };
      if (templateId !== undefined) message.TemplateId = templateId;
      else message.TemplateAlias = templateAlias;
      if (tag) message.Tag = tag;
      try {
        const result = await client.sendEmailWithTemplate(message);
        log("template email sent:", result.MessageID);
        const template = templateId !== undefined ? templateId : templateAlias;
        return text(
          `Template email sent successfully!\nMessageID: ${result.MessageID}\nTo: ${to}\nTemplate: ${template}`,
        );
      } catch (error) {
        return failure("send template email", error);
      }
    },
  );

  server.registerTool(
    "listTemplates",
    {
      title: "List templates",
      description: "List the email templates stored on the Postmark server (name, ID, alias, subject).",
      inputSchema: {},
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async () => {
      try {
        const result = await client.getTemplates();
        const templates = result.Templates || [];
        const lines = templates.map(
          (t) => `- ${t.Name}\n  ID: ${t.TemplateId}\n  Alias: ${t.Alias || "none"}\n  Subject: ${t.Subject || "none"}`,
        );
        return text(`Found ${templates.length} templates:\n\n${lines.join("\n\n")}`);
      } catch (error) {
        return failure("list templates", error);
      }
    },
  );

  const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD");
  server.registerTool(
    "getDeliveryStats",
    {
      title: "Get delivery statistics",
      description: "Summarise outbound delivery statistics (sent, opens, clicks), optionally by tag and date range.",
      inputSchema: {
        tag: z.string().optional().describe("Only count messages with this tag (optional)"),
        fromDate: isoDate.optional().describe("Start date, YYYY-MM-DD (optional)"),
        toDate: isoDate.optional().describe("End date, YYYY-MM-DD (optional)"),
      },
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async ({ tag, fromDate, toDate }) => {
      try {
        const stats = await client.getOutboundOverview({ tag, fromDate, toDate });
        return text(formatStats(stats, { tag, fromDate, toDate }));
      } catch (error) {
        return failure("get delivery stats", error);
      }
    },
  );
}

function percent(part, whole) {
  return whole > 0 ? ((part / whole) * 100).toFixed(1) : "0.0";
}

function formatStats(stats, { tag, fromDate, toDate }) {
  const sent = stats.Sent || 0;
  const tracked = stats.Tracked || 0;
  const opens = stats.UniqueOpens || 0;
  const links = stats.TotalTrackedLinksSent || 0;
  const clicks = stats.UniqueLinksClicked || 0;
  const lines = [
    "Email statistics summary",
    `Sent: ${sent} emails`,
    `Bounced: ${stats.Bounced || 0}`,
    `Open rate: ${percent(opens, tracked)}% (${opens}/${tracked} tracked emails)`,
    `Click rate: ${percent(clicks, links)}% (${clicks}/${links} tracked links)`,
  ];
  if (fromDate || toDate) lines.push(`Period: ${fromDate || "start"} to ${toDate || "now"}`);
  if (tag) lines.push(`Tag: ${tag}`);
  return lines.join("\n");
}

async function main() {
  if (!serverToken) {
    log("POSTMARK_SERVER_TOKEN is not set");
    process.exit(1);
  }
  if (!defaultSender) {
    log("DEFAULT_SENDER_EMAIL is not set");
    process.exit(1);
  }
  const client = new postmark.ServerClient(serverToken);
  try {
    const details = await client.getServer();
    log(`connected to Postmark server "${details.Name}"; stream ${defaultMessageStream}`);
  } catch (error) {
    const status = error && error.statusCode ? ` (HTTP ${error.statusCode})` : "";
    log(`start-up check GET /server failed${status}:`, error && error.message ? error.message : error);
    process.exit(1);
  }
  const server = new McpServer({ name: "postmark-mcp", version: "1.0.0" });
  registerTools(server, client);
  await server.connect(new StdioServerTransport());
  log("ready on stdio");
}

main().catch((error) => {
  log("fatal:", error);
  process.exit(1);
});
