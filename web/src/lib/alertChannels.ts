// The alert channel form: which fields each kind has, which of them are secrets, and the `config`
// sent to POST/PATCH /api/v1/alert-channels. Secrets never come back from the API, so on an edit
// an empty secret field means "keep it" and is left out of the config.
export type ChannelKind = "email" | "lark" | "dingtalk" | "wecom" | "slack" | "webhook";

export interface ChannelField {
  key: string;
  label: string;
  secret?: boolean;
  required?: boolean;
  multiline?: boolean;
  placeholder?: string;
  description?: string;
  options?: { value: string; label: string }[];
}

export const CHANNEL_KINDS: { value: ChannelKind; label: string }[] = [
  { value: "lark", label: "Lark / Feishu bot" },
  { value: "dingtalk", label: "DingTalk bot" },
  { value: "wecom", label: "WeCom group robot" },
  { value: "slack", label: "Slack incoming webhook" },
  { value: "webhook", label: "HTTP webhook (JSON)" },
  { value: "email", label: "Email (SMTP)" },
];

const URL_FIELD: ChannelField = { key: "url", label: "Webhook URL", secret: true, required: true, description: "It holds the bot's token, so it is kept secret" };

export const CHANNEL_FIELDS: Record<ChannelKind, ChannelField[]> = {
  lark: [URL_FIELD, { key: "secret", label: "Signing secret", secret: true, description: "The bot's signature verification secret, if it has one" }],
  dingtalk: [URL_FIELD, { key: "secret", label: "Signing secret (加签)", secret: true, description: "Starts with SEC..., if the robot signs" }],
  wecom: [URL_FIELD],
  slack: [URL_FIELD],
  webhook: [
    URL_FIELD,
    { key: "headers", label: "Headers", secret: true, multiline: true, placeholder: "Authorization: Bearer ...", description: "One Name: value a line" },
    { key: "secret", label: "Signing secret", secret: true, description: "Then X-Sluice-Signature: sha256=<HMAC of the body>" },
  ],
  email: [
    { key: "smtp_url", label: "SMTP server", required: true, placeholder: "smtp://mail.example.com:587", description: "smtp://host:port, or smtps://host:465 for TLS from the start" },
    { key: "tls", label: "Encryption", options: [{ value: "starttls", label: "STARTTLS" }, { value: "tls", label: "TLS" }, { value: "none", label: "None (loopback only)" }] },
    { key: "username", label: "User name" },
    { key: "password", label: "Password", secret: true },
    { key: "from", label: "From", required: true, placeholder: "sluice@example.com" },
    { key: "to", label: "To", required: true, placeholder: "oncall@example.com, data@example.com", description: "Addresses, separated by commas" },
  ],
};

export type ChannelValues = Record<string, string>;

// The form's starting values for a channel read from the API (secrets empty: unknown here).
export function valuesFromConfig(kind: ChannelKind, config: Record<string, unknown>): ChannelValues {
  const values: ChannelValues = {};
  for (const field of CHANNEL_FIELDS[kind]) {
    if (field.secret) {
      values[field.key] = "";
      continue;
    }
    const value = config[field.key];
    values[field.key] = Array.isArray(value) ? value.join(", ") : value === undefined || value === null ? "" : String(value);
  }
  const template = (config.template ?? {}) as { title?: string; text?: string };
  values["template.title"] = template.title ?? "";
  values["template.text"] = template.text ?? "";
  return values;
}

export interface ConfigOutcome {
  config?: Record<string, unknown>;
  errors: Record<string, string>;
}

// The config to send, or the errors by field key. `editing`: empty secrets keep their value.
export function configFromValues(kind: ChannelKind, values: ChannelValues, editing: boolean): ConfigOutcome {
  const config: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of CHANNEL_FIELDS[kind]) {
    const raw = (values[field.key] ?? "").trim();
    if (!raw) {
      if (field.required && !(field.secret && editing)) errors[field.key] = `${field.label} is needed`;
      continue;
    }
    if (field.key === "url" && !/^https?:\/\/[^\s/]+/.test(raw)) {
      errors[field.key] = "An http:// or https:// address";
      continue;
    }
    if (field.key === "to") {
      const addresses = raw.split(",").map((a) => a.trim()).filter(Boolean);
      const bad = addresses.find((a) => !/^[^@\s]+@[^@\s]+$/.test(a));
      if (bad) errors.to = `"${bad}" is not an email address`;
      else config.to = addresses;
      continue;
    }
    if (field.key === "headers") {
      const headers: Record<string, string> = {};
      for (const [n, line] of raw.split("\n").entries()) {
        if (!line.trim()) continue;
        const colon = line.indexOf(":");
        const name = colon > 0 ? line.slice(0, colon).trim() : "";
        if (!/^[A-Za-z0-9-]+$/.test(name)) {
          errors.headers = `Line ${n + 1} is not "Name: value"`;
          break;
        }
        headers[name] = line.slice(colon + 1).trim();
      }
      if (!errors.headers) config.headers = headers;
      continue;
    }
    config[field.key] = raw;
  }
  const title = (values["template.title"] ?? "").trim();
  const text = values["template.text"] ?? "";
  if (title || text.trim()) config.template = { ...(title ? { title } : {}), ...(text.trim() ? { text } : {}) };
  return Object.keys(errors).length > 0 ? { errors } : { config, errors };
}
