// One application session through the official Node SDKs, against the base URLs given:
//   node session.cjs <openai base URL or -> <anthropic base URL or ->
// Prints what the SDKs returned (responses, stream chunks and events) as one JSON document.
const { OpenAI } = require("openai");
const { Anthropic } = require("@anthropic-ai/sdk");

const WEATHER = {
  type: "function",
  function: {
    name: "weather",
    description: "Weather by city",
    parameters: { type: "object", properties: { city: { type: "string" } } },
  },
};

async function openaiSession(baseURL) {
  const client = new OpenAI({ apiKey: process.env.OPENAI_API_KEY, baseURL, maxRetries: 0 });
  const chat = await client.chat.completions.create({
    model: "gpt-4o",
    max_tokens: 50,
    messages: [{ role: "user", content: "Hi from Node" }],
  });
  const tool = await client.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "Weather in Oslo?" }],
    tools: [WEATHER],
  });
  const stream = await client.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "Stream to Node" }],
    stream: true,
    stream_options: { include_usage: true },
  });
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return { chat, request_id: chat._request_id ?? null, tool, chunks };
}

async function anthropicSession(baseURL) {
  const client = new Anthropic({ apiKey: process.env.ANTHROPIC_API_KEY, baseURL, maxRetries: 0 });
  const message = await client.messages.create({
    model: "claude-x",
    max_tokens: 64,
    messages: [{ role: "user", content: "Bonjour from Node" }],
  });
  const stream = await client.messages.create({
    model: "claude-x",
    max_tokens: 64,
    messages: [{ role: "user", content: "Stream to Node" }],
    stream: true,
  });
  const events = [];
  for await (const event of stream) events.push(event);
  return { message, events };
}

async function main() {
  const [openaiBase, anthropicBase] = process.argv.slice(2);
  const out = {};
  if (openaiBase && openaiBase !== "-") out.openai = await openaiSession(openaiBase);
  if (anthropicBase && anthropicBase !== "-") out.anthropic = await anthropicSession(anthropicBase);
  process.stdout.write(JSON.stringify(out));
}

main().catch((error) => {
  process.stderr.write(String((error && error.stack) || error) + "\n");
  process.exit(1);
});
