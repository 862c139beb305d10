#!/usr/bin/env node
/**
 * Telegram Bot API emulator for the end-to-end tests.
 *
 * Starts telegram-test-api 4.2.1 (https://github.com/jehy/telegram-test-api) on 127.0.0.1 and
 * patches it *at runtime* (node_modules stays untouched) so that an unmodified
 * python-telegram-bot 22 process, long polling through `Application.run_polling`, can use it:
 *
 *  - every Bot API route of the package is shadowed by a handler registered before it (we push
 *    our registrar to the front of the package's exported `routes` array before the server is
 *    constructed, so Express matches ours first), because the originals answer `null` where PTB
 *    expects an object, answer HTTP 500 for unknown methods and HTTP 200 for errors, lack fields
 *    PTB requires (`getMe.is_bot`, `callback_query.chat_instance`), and stamp message dates in
 *    milliseconds;
 *  - `getUpdates` is a real long poll with Telegram's offset/confirm semantics (the original
 *    ignores `timeout` and `offset` and marks updates read as soon as they are returned);
 *  - `TelegramServer.formatUpdate` / `addUserUpdate` are replaced so updates are valid Bot API
 *    objects (no internal `botToken` field, dates in seconds, full message in callback queries),
 *    and webhook delivery sends the secret-token header and cannot crash the process;
 *  - the body parsers get a larger size limit and multipart/form-data (file uploads) is parsed;
 *  - HTML `parse_mode` is parsed the way Telegram does (plain text + entities, 400 on malformed
 *    markup), and Telegram's common 400/403 errors are reproduced (empty/too long text, bad
 *    callback_data, message not modified, blocked user...), so e2e tests catch real bugs.
 *
 * Extra endpoints for the test side (see tests/helpers/e2e_support.py), all under /e2e/:
 *   GET  /e2e/health                     readiness probe
 *   GET  /e2e/stats                      per-method call counts, pending updates, send rate
 *   POST /e2e/events   {token, chat_id, after, wait_ms}   what the bot did in a chat (long poll)
 *   POST /e2e/message  {token, chat_id, message_id}       current state of a bot message
 *   POST /e2e/commands {token}                            commands set with setMyCommands
 *   POST /e2e/block    {token, chat_id, blocked}          make sends to a chat fail with 403
 *   POST /e2e/hold     {token, chat_id, held}             hold the bot's calls naming a chat
 *                      unanswered until released; a held call whose client goes away is dropped
 *   GET  /e2e/file/:file_id                               bytes of a file the bot uploaded
 *   GET  /file/bot<token>/documents/:file_id              a file's bytes, as getFile names it
 * The package's own client routes (/sendMessage, /sendCommand, /sendCallback, /getUpdates,
 * /getUpdatesHistory) keep working; the first three are reimplemented to return the ids given
 * to the user's message / callback query. POST /sendDocument (ours) is /sendMessage with
 * `document: {file_name, mime_type, content_base64[, hide_size]}` instead of `text`: the user
 * sends a file, which the bot fetches with getFile and the download URL.
 *
 * Usage: node launcher.js [--port N] [--host H] [--exit-with-stdin]
 * Env:   EMULATOR_PORT, EMULATOR_HOST, EMULATOR_BOT_USERNAME, EMULATOR_BOT_FIRST_NAME,
 *        EMULATOR_GLOBAL_RATE (max bot messages per second before answering 429; 0 = off),
 *        EMULATOR_DEBUG=1 (log every Bot API call to stderr).
 * Prints `EMULATOR READY <port>` on stdout once listening.
 */

'use strict';

const express = require('express');

// --- configuration ------------------------------------------------------------------------

function argValue(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : undefined;
}

const CONFIG = {
  port: Number(argValue('--port') || process.env.EMULATOR_PORT || 9000),
  host: argValue('--host') || process.env.EMULATOR_HOST || '127.0.0.1',
  botUsername: process.env.EMULATOR_BOT_USERNAME || 'TestNameBot',
  botFirstName: process.env.EMULATOR_BOT_FIRST_NAME || 'Test Bot',
  globalRate: Number(process.env.EMULATOR_GLOBAL_RATE || 0),
  debug: process.env.EMULATOR_DEBUG === '1',
  exitWithStdin: process.argv.includes('--exit-with-stdin'),
};

function log(...parts) {
  process.stderr.write(`[emulator] ${parts.join(' ')}\n`);
}

// --- patch 1: body parsers ------------------------------------------------------------------
// The package registers express.json()/express.urlencoded() with the 100 kB default limit;
// a too-long message must reach our handler (to get Telegram's "message is too long") rather
// than die in body-parser with a 413 that PTB reports as a network error. The package requires
// the same (hoisted) express module, so wrapping the factories before construction is enough.
const BODY_LIMIT = '50mb';
const originalJson = express.json;
const originalUrlencoded = express.urlencoded;
express.json = (opts = {}) => originalJson({ ...opts, limit: BODY_LIMIT });
express.urlencoded = (opts = {}) => originalUrlencoded({
  ...opts, limit: BODY_LIMIT, parameterLimit: 100000,
});

const TelegramServer = require('telegram-test-api');
const { routes: packageRoutes } = require('telegram-test-api/lib/routes/index');

// --- small helpers ----------------------------------------------------------------------------

/** A Bot API error answered with Telegram's shape *and* HTTP status (PTB keys on the status). */
class ApiError extends Error {
  constructor(code, description, parameters) {
    super(description);
    this.code = code;
    this.description = description;
    this.parameters = parameters;
  }
}

const badRequest = (what) => new ApiError(400, `Bad Request: ${what}`);

function sendOk(res, result) {
  res.status(200).json({ ok: true, result });
}

function sendFail(res, err) {
  const body = { ok: false, error_code: err.code, description: err.description };
  if (err.parameters) body.parameters = err.parameters;
  res.status(err.code).json(body);
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Telegram dates are Unix seconds; the package stores milliseconds. */
function toSeconds(value) {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) return nowSeconds();
  return n > 1e11 ? Math.floor(n / 1000) : Math.floor(n);
}

/** PTB form-encodes every non-string parameter as JSON; JSON bodies carry real values. */
function jsonParam(value) {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch (_e) {
    return value;
  }
}

function intParam(value, fallback) {
  if (value === undefined || value === null || value === '') return fallback;
  const n = Number(value);
  return Number.isFinite(n) ? Math.trunc(n) : fallback;
}

function boolParam(value) {
  return value === true || value === 'true' || value === 'True' || value === 1 || value === '1';
}

/** chat_id as the key we index by: numeric ids normalised, @usernames kept. */
function chatKey(value) {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? String(Math.trunc(n)) : String(value);
}

function botIdFromToken(token) {
  const m = /^(\d+):/.exec(token);
  return m ? Number(m[1]) : 666;
}

const utf8Length = (s) => Buffer.byteLength(s, 'utf8');

// --- multipart/form-data (file uploads) ------------------------------------------------------
// Express (and the package) only parse JSON and urlencoded bodies; PTB switches to multipart
// as soon as a request carries an InputFile, so without this `chat_id` would be missing.

function readRawBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseMultipart(buffer, boundary) {
  const fields = {};
  const files = {};
  const delimiter = Buffer.from(`--${boundary}`);
  let pos = buffer.indexOf(delimiter);
  while (pos !== -1) {
    const start = pos + delimiter.length;
    if (buffer.slice(start, start + 2).toString() === '--') break; // closing delimiter
    const next = buffer.indexOf(delimiter, start);
    if (next === -1) break;
    const part = buffer.slice(start + 2, next - 2); // strip CRLF after delimiter / before next
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const headers = part.slice(0, headerEnd).toString('utf8');
      const body = part.slice(headerEnd + 4);
      const name = /name="([^"]*)"/i.exec(headers);
      const filename = /filename="([^"]*)"/i.exec(headers);
      const type = /content-type:\s*([^\r\n]+)/i.exec(headers);
      if (name && filename) {
        files[name[1]] = {
          filename: filename[1],
          mimeType: type ? type[1].trim() : 'application/octet-stream',
          content: body,
        };
      } else if (name) {
        fields[name[1]] = body.toString('utf8');
      }
    }
    pos = next;
  }
  return { fields, files };
}

/** All request parameters: query string + body (Telegram accepts both), files separately. */
async function requestParams(req) {
  const contentType = req.headers['content-type'] || '';
  const params = { ...req.query };
  let files = {};
  const boundary = /multipart\/form-data;.*boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (boundary) {
    const parsed = parseMultipart(await readRawBody(req), boundary[1] || boundary[2]);
    Object.assign(params, parsed.fields);
    files = parsed.files;
  } else if (req.body && typeof req.body === 'object') {
    Object.assign(params, req.body);
  }
  return { params, files };
}

// --- Telegram HTML parse mode ---------------------------------------------------------------
// Mirrors tdlib's parser closely enough: supported tags become entities (UTF-16 offsets, which
// JS string indices already are), `&lt; &gt; &amp; &quot;` and numeric references are decoded,
// an unknown `&...;` stays literal, and anything else malformed is a 400 "can't parse entities".

const HTML_TAGS = {
  b: 'bold', strong: 'bold', i: 'italic', em: 'italic', u: 'underline', ins: 'underline',
  s: 'strikethrough', strike: 'strikethrough', del: 'strikethrough', 'tg-spoiler': 'spoiler',
  span: 'spoiler', a: 'text_link', code: 'code', pre: 'pre', blockquote: 'blockquote',
  'tg-emoji': 'custom_emoji',
};
const NAMED_ENTITIES = { lt: '<', gt: '>', amp: '&', quot: '"' };

function decodeEntityAt(src, i) {
  const m = /^&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,8});/.exec(src.slice(i, i + 12));
  if (!m) return null;
  const body = m[1];
  let value;
  if (body[0] === '#') {
    const code = body[1] === 'x' || body[1] === 'X'
      ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    if (!(code > 0 && code <= 0x10ffff)) return null;
    value = String.fromCodePoint(code);
  } else {
    value = NAMED_ENTITIES[body.toLowerCase()];
    if (value === undefined) return null;
  }
  return { value, length: m[0].length };
}

function decodeEntities(s) {
  let out = '';
  for (let i = 0; i < s.length;) {
    const decoded = s[i] === '&' ? decodeEntityAt(s, i) : null;
    if (decoded) {
      out += decoded.value;
      i += decoded.length;
    } else {
      out += s[i];
      i += 1;
    }
  }
  return out;
}

function parseHtml(src) {
  const fail = (what) => badRequest(`can't parse entities: ${what}`);
  const byteOffset = (idx) => utf8Length(src.slice(0, idx));
  let text = '';
  const stack = [];
  const entities = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (ch === '&') {
      const decoded = decodeEntityAt(src, i);
      text += decoded ? decoded.value : '&';
      i += decoded ? decoded.length : 1;
    } else if (ch !== '<') {
      text += ch;
      i += 1;
    } else if (src[i + 1] === '/') {
      const m = /^<\/([a-zA-Z0-9-]*)\s*>/.exec(src.slice(i));
      if (!m) throw fail(`Unclosed end tag at byte offset ${byteOffset(i)}`);
      const name = m[1].toLowerCase();
      const open = stack.pop();
      if (!open) throw fail(`Unexpected end tag at byte offset ${byteOffset(i)}`);
      if (open.name !== name) {
        throw fail(`Unmatched end tag at byte offset ${byteOffset(i)}, `
          + `expected "</${open.name}>", found "</${name}>"`);
      }
      const entity = { type: HTML_TAGS[name], offset: open.start, length: text.length - open.start };
      const { attrs } = open;
      let keep = entity.length > 0;
      if (name === 'a') {
        const href = attrs.href || '';
        const mention = /^tg:\/\/user\?id=(\d+)$/.exec(href);
        if (mention) {
          entity.type = 'text_mention';
          entity.user = { id: Number(mention[1]), is_bot: false, first_name: '' };
        } else if (href) {
          entity.url = href;
        } else {
          keep = false;
        }
      } else if (name === 'code' && stack.length && stack[stack.length - 1].name === 'pre'
        && /^language-/.test(attrs.class || '')) {
        stack[stack.length - 1].language = attrs.class.slice('language-'.length);
        keep = false;
      } else if (name === 'pre' && open.language) {
        entity.language = open.language;
      } else if (name === 'blockquote' && 'expandable' in attrs) {
        entity.type = 'expandable_blockquote';
      } else if (name === 'tg-emoji') {
        entity.custom_emoji_id = attrs['emoji-id'] || '';
      }
      if (keep) entities.push(entity);
      i += m[0].length;
    } else {
      const nameMatch = /^<([a-zA-Z0-9-]*)/.exec(src.slice(i));
      const name = nameMatch[1].toLowerCase();
      if (!(name in HTML_TAGS)) {
        throw fail(`Unsupported start tag "${name}" at byte offset ${byteOffset(i)}`);
      }
      let j = i + nameMatch[0].length;
      const attrs = {};
      const attrRe = /^\s+([a-zA-Z_-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?/;
      for (;;) {
        const rest = src.slice(j);
        const end = /^\s*>/.exec(rest);
        if (end) {
          j += end[0].length;
          break;
        }
        const am = attrRe.exec(rest);
        if (!am) throw fail(`Unclosed start tag at byte offset ${byteOffset(i)}`);
        const raw = am[2] ?? am[3] ?? am[4] ?? '';
        attrs[am[1].toLowerCase()] = decodeEntities(raw);
        j += am[0].length;
      }
      if (name === 'span' && attrs.class !== 'tg-spoiler') {
        throw fail(`Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(i)}`);
      }
      stack.push({ name, attrs, start: text.length });
      i = j;
    }
  }
  if (stack.length) {
    throw fail(`Can't find end tag corresponding to start tag "${stack[stack.length - 1].name}"`);
  }
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
  return { text, entities };
}

/**
 * What the user sees: for HTML the parsed plain text + entities; explicit `entities` are kept;
 * Markdown/MarkdownV2 are passed through unparsed (a documented emulator limitation).
 */
function formatText(rawText, parseMode, explicitEntities) {
  const mode = String(parseMode || '').toLowerCase();
  if (mode === 'html') return parseHtml(rawText);
  const entities = jsonParam(explicitEntities);
  return { text: rawText, entities: Array.isArray(entities) ? entities : [] };
}

// --- emulator state (on top of the package's storage and counters) ---------------------------

const TEXT_LIMIT = 4096;
const CAPTION_LIMIT = 1024;
const CHAT_ACTIONS = new Set([
  'typing', 'upload_photo', 'record_video', 'upload_video', 'record_voice', 'upload_voice',
  'upload_document', 'choose_sticker', 'find_location', 'record_video_note',
  'upload_video_note',
]);

const state = {
  chats: new Map(), // chatKey -> Chat object seen in user updates
  botMessages: new Map(), // `${token}|${messageId}` -> storage entry of a bot message
  callbacks: new Map(), // `${token}|${callbackId}` -> { chatId, answered }
  events: new Map(), // `${token}|${chatKey}` -> [{ seq, kind, ... }]
  eventWaiters: new Map(), // `${token}|${chatKey}` -> Set<() => void>
  pollers: new Map(), // token -> active long poll { finish(conflict) }
  updateWaiters: new Map(), // token -> Set<() => void>
  allowedUpdates: new Map(), // token -> string[] (remembered between getUpdates calls)
  commands: new Map(), // token -> { `${scope}|${lang}`: BotCommand[] }
  profile: new Map(), // token -> { name, description, short_description, menu_button }
  blocked: new Set(), // `${token}|${chatKey}`
  held: new Map(), // `${token}|${chatKey}` -> Set<release()> of the calls waiting there
  heldCalls: 0, // calls waiting now, all chats
  droppedCalls: 0, // held calls whose client went away before the release
  files: new Map(), // file_id -> { content, filename, mimeType }
  methodCounts: {},
  sendTimes: [], // timestamps (ms) of bot messages in the last second, for rate stats/limit
  maxSendsPerSecond: 0,
  floodRejections: 0,
  eventSeq: 0,
  fileSeq: 0,
};

function botUser(token) {
  return {
    id: botIdFromToken(token),
    is_bot: true,
    first_name: CONFIG.botFirstName,
    username: CONFIG.botUsername,
  };
}

function chatFor(key) {
  if (state.chats.has(key)) return { ...state.chats.get(key) };
  const id = Number(key);
  if (!Number.isFinite(id)) return { id: key, type: 'channel', title: key };
  return id > 0 ? { id, type: 'private', first_name: 'User' } : { id, type: 'group', title: 'Group' };
}

function pushEvent(token, key, event) {
  const k = `${token}|${key}`;
  if (!state.events.has(k)) state.events.set(k, []);
  state.eventSeq += 1;
  state.events.get(k).push({ seq: state.eventSeq, time: Date.now(), ...event });
  const waiters = state.eventWaiters.get(k);
  if (waiters) waiters.forEach((wake) => wake());
}

function countSend() {
  const now = Date.now();
  while (state.sendTimes.length && state.sendTimes[0] <= now - 1000) state.sendTimes.shift();
  if (CONFIG.globalRate > 0 && state.sendTimes.length >= CONFIG.globalRate) {
    state.floodRejections += 1;
    throw new ApiError(429, 'Too Many Requests: retry after 1', { retry_after: 1 });
  }
  state.sendTimes.push(now);
  state.maxSendsPerSecond = Math.max(state.maxSendsPerSecond, state.sendTimes.length);
}

/** Common checks of every method that posts into a chat: the chat and the reply_markup. */
function targetChat(token, params) {
  const key = chatKey(params.chat_id);
  if (key === undefined) throw badRequest('chat_id is empty');
  if (state.blocked.has(`${token}|${key}`)) {
    throw new ApiError(403, 'Forbidden: bot was blocked by the user');
  }
  return { key, markup: replyMarkup(params) };
}

/** Validates and normalises reply_markup; inline keyboards are what the user can press. */
function replyMarkup(params) {
  const markup = jsonParam(params.reply_markup);
  if (!markup || typeof markup !== 'object') return undefined;
  if (Array.isArray(markup.inline_keyboard)) {
    for (const row of markup.inline_keyboard) {
      if (!Array.isArray(row)) throw badRequest('field "inline_keyboard" must be an Array of Arrays');
      for (const button of row) {
        if (!button || typeof button.text !== 'string' || button.text === '') {
          throw badRequest('text buttons are unallowed in the inline keyboard');
        }
        if ('callback_data' in button) {
          const size = utf8Length(String(button.callback_data));
          if (size < 1 || size > 64) throw badRequest('BUTTON_DATA_INVALID');
        } else if (!['url', 'switch_inline_query', 'switch_inline_query_current_chat',
          'switch_inline_query_chosen_chat', 'callback_game', 'pay', 'login_url', 'web_app',
          'copy_text'].some((f) => f in button)) {
          throw badRequest('text buttons are unallowed in the inline keyboard');
        }
      }
    }
  }
  return markup;
}

function checkedText(params, field, limit, what) {
  const raw = params[field] === undefined || params[field] === null ? '' : String(params[field]);
  const parsed = formatText(raw, params.parse_mode, params[`${field === 'text' ? '' : 'caption_'}entities`]);
  if (parsed.text.length > limit) throw badRequest(`${what} is too long`);
  return { raw, ...parsed };
}

/**
 * Stores a bot message the way the package does (so its own /getUpdates and
 * /getUpdatesHistory client routes keep working) and returns the Bot API Message.
 */
function storeBotMessage(token, target, params, content) {
  const { key, markup } = target;
  const messageId = server.messageId;
  server.messageId += 1;
  const message = {
    message_id: messageId,
    from: botUser(token),
    chat: chatFor(key),
    date: nowSeconds(),
    ...content,
  };
  // Only inline keyboards are attached to a sent Message; reply keyboards live client-side.
  if (markup && markup.inline_keyboard) message.reply_markup = markup;
  const replyTo = jsonParam(params.reply_parameters);
  const replyToId = (replyTo && replyTo.message_id) || params.reply_to_message_id;
  if (replyToId) {
    // Minimal but valid Message: PTB only needs message_id, date and chat.
    message.reply_to_message = { message_id: Number(replyToId), date: message.date, chat: message.chat };
  }
  const entry = {
    time: Date.now(),
    botToken: token,
    // `message` keeps the request's shape (chat_id, text, parse_mode, reply_markup...) because
    // the package's client routes filter on `message.chat_id`.
    message: { ...params, chat_id: key, reply_markup: markup },
    updateId: server.updateId,
    messageId,
    isRead: false,
    apiMessage: message,
    rawText: content.rawText,
    parseMode: params.parse_mode,
    clientMarkup: markup, // reply/remove keyboards too, so tests can check them
  };
  delete message.rawText;
  server.updateId += 1;
  server.storage.botMessages.push(entry);
  state.botMessages.set(`${token}|${messageId}`, entry);
  server.emit('AddedBotMessage');
  pushEvent(token, key, { kind: 'message', ...clientView(entry) });
  return message;
}

/** The message as a test sees it: the Bot API Message + what the bot literally sent. */
function clientView(entry) {
  return {
    message: entry.apiMessage,
    raw_text: entry.rawText,
    parse_mode: entry.parseMode || null,
    reply_markup: entry.clientMarkup || null,
  };
}

function findBotMessage(token, params) {
  if (params.inline_message_id) return { inline: true };
  const key = chatKey(params.chat_id);
  const entry = state.botMessages.get(`${token}|${intParam(params.message_id, -1)}`);
  if (key === undefined || !entry || chatKey(entry.message.chat_id) !== key) {
    throw badRequest('message to edit not found');
  }
  return { entry, key };
}

// --- update queue (user -> bot) ------------------------------------------------------------

function updateType(entry) {
  return 'callbackQuery' in entry ? 'callback_query' : 'message';
}

// patch 2: formatUpdate produced `message.date` as given, leaked the internal `botToken`
// field and had no `chat_instance` (required by PTB's CallbackQuery).
TelegramServer.formatUpdate = function formatUpdate(entry) {
  if ('callbackQuery' in entry) {
    const cq = entry.callbackQuery;
    return {
      update_id: entry.updateId,
      callback_query: {
        id: String(entry.callbackId),
        from: cq.from,
        message: cq.message,
        chat_instance: cq.chat_instance,
        data: cq.data,
      },
    };
  }
  const { botToken: _token, ...message } = entry.message;
  return {
    update_id: entry.updateId,
    message: {
      ...message,
      message_id: entry.messageId,
      date: toSeconds(message.date),
      entities: jsonParam(message.entities),
    },
  };
};

function wakePollers(token) {
  const waiters = state.updateWaiters.get(token);
  if (waiters) [...waiters].forEach((wake) => wake());
}

// patch 3: addUserUpdate posted to webhooks without the secret-token header PTB checks, and a
// failing webhook rejected a promise nobody awaited (an unhandled rejection kills Node 20).
TelegramServer.prototype.addUserUpdate = async function addUserUpdate(entry) {
  if (!entry.botToken) throw badRequest('the update must carry `botToken`');
  this.updateId += 1;
  const webhook = this.webhooks[entry.botToken];
  if (!webhook) {
    this.storage.userMessages.push(entry);
    wakePollers(entry.botToken);
    return;
  }
  const headers = { 'Content-Type': 'application/json' };
  if (webhook.secret_token) headers['X-Telegram-Bot-Api-Secret-Token'] = webhook.secret_token;
  try {
    const resp = await fetch(webhook.url, {
      method: 'POST', headers, body: JSON.stringify(TelegramServer.formatUpdate(entry)),
    });
    if (!resp.ok) log(`webhook ${webhook.url} answered HTTP ${resp.status}`);
  } catch (err) {
    log(`webhook ${webhook.url} failed: ${err}`);
  }
};

/** Updates not yet confirmed (offset semantics) and of an allowed type. */
function pendingUpdates(token) {
  const allowed = state.allowedUpdates.get(token);
  return server.storage.userMessages.filter((entry) => {
    if (entry.botToken !== token || entry.isRead) return false;
    if (allowed && allowed.length && !allowed.includes(updateType(entry))) {
      entry.isRead = true; // Telegram drops updates of types the bot did not ask for
      return false;
    }
    return true;
  });
}

function confirmUpTo(token, offset) {
  const pending = pendingUpdates(token);
  if (offset > 0) {
    pending.forEach((entry) => { if (entry.updateId < offset) entry.isRead = true; });
  } else if (offset < 0) {
    // a negative offset keeps only the last |offset| updates
    pending.slice(0, Math.max(0, pending.length + offset)).forEach((entry) => { entry.isRead = true; });
  }
}

// --- Bot API methods ------------------------------------------------------------------------
// Each handler gets (token, params, files, req, res) and returns a result (answered as
// {"ok":true,"result":...}) or throws ApiError; getUpdates answers itself (long poll).

const SEND_MEDIA = {
  sendphoto: ['photo', (f) => [{ ...f, width: 320, height: 240 }]],
  senddocument: ['document', (f) => f],
  sendaudio: ['audio', (f) => ({ ...f, duration: 1 })],
  sendvideo: ['video', (f) => ({ ...f, width: 320, height: 240, duration: 1 })],
  sendanimation: ['animation', (f) => ({ ...f, width: 320, height: 240, duration: 1 })],
  sendvoice: ['voice', (f) => ({ ...f, duration: 1 })],
};

function fileObject(value, file) {
  state.fileSeq += 1;
  if (file) {
    const fileId = `emulator-file-${state.fileSeq}`;
    state.files.set(fileId, file);
    return {
      file_id: fileId,
      file_unique_id: `u${state.fileSeq}`,
      file_name: file.filename,
      mime_type: file.mimeType,
      file_size: file.content.length,
    };
  }
  // a file_id or URL re-sent by the bot
  return { file_id: String(value), file_unique_id: `u${state.fileSeq}` };
}

function sendMedia(method) {
  const [field, build] = SEND_MEDIA[method];
  return (token, params, files) => {
    const target = targetChat(token, params);
    const value = params[field];
    const attach = typeof value === 'string' && value.startsWith('attach://')
      ? files[value.slice('attach://'.length)] : undefined;
    const file = files[field] || attach;
    if (!file && (value === undefined || value === '')) {
      throw badRequest(`there is no ${field} in the request`);
    }
    const caption = checkedText(params, 'caption', CAPTION_LIMIT, 'message caption');
    countSend();
    const content = { [field]: build(fileObject(value, file)), rawText: caption.raw };
    if (caption.raw) {
      content.caption = caption.text;
      if (caption.entities.length) content.caption_entities = caption.entities;
    }
    return storeBotMessage(token, target, params, content);
  };
}

function editMessage(token, params, fields) {
  const found = findBotMessage(token, params);
  if (found.inline) return true;
  const { entry, key } = found;
  if (state.blocked.has(`${token}|${key}`)) throw new ApiError(403, 'Forbidden: bot was blocked by the user');
  const before = JSON.stringify([entry.apiMessage.text, entry.apiMessage.caption,
    entry.apiMessage.entities, entry.apiMessage.caption_entities, entry.apiMessage.reply_markup]);
  const updated = { ...entry.apiMessage, ...fields.content, edit_date: nowSeconds() };
  // Like Telegram, an edit without reply_markup removes the inline keyboard.
  const markup = replyMarkup(params);
  if (markup && markup.inline_keyboard) updated.reply_markup = markup;
  else delete updated.reply_markup;
  for (const k of ['entities', 'caption_entities']) if (updated[k] && !updated[k].length) delete updated[k];
  const after = JSON.stringify([updated.text, updated.caption, updated.entities,
    updated.caption_entities, updated.reply_markup]);
  if (before === after) {
    throw badRequest('message is not modified: specified new message content and reply markup '
      + 'are exactly the same as a current content and reply markup of the message');
  }
  countSend();
  entry.apiMessage = updated;
  entry.clientMarkup = markup && markup.inline_keyboard ? markup : undefined;
  entry.message = { ...entry.message, ...params, chat_id: key, reply_markup: entry.clientMarkup };
  if (fields.rawText !== undefined) {
    entry.rawText = fields.rawText;
    entry.parseMode = params.parse_mode;
  }
  server.emit(fields.event);
  pushEvent(token, key, { kind: 'edit', ...clientView(entry) });
  return updated;
}

function setProfileField(field) {
  return (token, params) => {
    const profile = state.profile.get(token) || {};
    profile[field] = params[field] || '';
    state.profile.set(token, profile);
    return true;
  };
}

function getProfileField(field) {
  return (token) => ({ [field]: (state.profile.get(token) || {})[field] || '' });
}

function commandsKey(params) {
  const scope = jsonParam(params.scope) || { type: 'default' };
  return `${JSON.stringify(scope)}|${params.language_code || ''}`;
}

const METHODS = {
  // patch 4: the package's getMe lacked `is_bot` (PTB's User requires it) and fixed the id.
  getme: (token) => ({
    ...botUser(token),
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
  }),
  logout: () => true,
  close: () => true,

  // Files users sent (client route /sendDocument) or the bot uploaded; downloaded from
  // /file/bot<token>/<file_path> like Telegram's.
  getfile: (token, params) => {
    const fileId = String(params.file_id || '');
    const file = state.files.get(fileId);
    if (!file) throw badRequest('invalid file_id');
    return {
      file_id: fileId,
      file_unique_id: `u-${fileId}`,
      file_size: file.content.length,
      file_path: `documents/${fileId}`,
    };
  },

  getupdates: null, // long poll, see handleGetUpdates

  setwebhook: (token, params) => {
    if (!params.url) throw badRequest('bad webhook: Webhook must have a URL');
    if (boolParam(params.drop_pending_updates)) confirmUpTo(token, Number.MAX_SAFE_INTEGER);
    server.setWebhook({ url: params.url, secret_token: params.secret_token }, token);
    return true;
  },
  deletewebhook: (token, params) => {
    // PTB's bootstrap calls this with drop_pending_updates; honour it like Telegram.
    if (boolParam(params.drop_pending_updates)) confirmUpTo(token, Number.MAX_SAFE_INTEGER);
    server.deleteWebhook(token);
    return true;
  },
  getwebhookinfo: (token) => ({
    url: (server.webhooks[token] || {}).url || '',
    has_custom_certificate: false,
    pending_update_count: pendingUpdates(token).length,
  }),

  sendmessage: (token, params) => {
    const target = targetChat(token, params);
    const text = checkedText(params, 'text', TEXT_LIMIT, 'message');
    if (!text.text.trim()) throw badRequest('message text is empty');
    countSend();
    const content = { text: text.text, rawText: text.raw };
    if (text.entities.length) content.entities = text.entities;
    return storeBotMessage(token, target, params, content);
  },
  ...Object.fromEntries(Object.keys(SEND_MEDIA).map((m) => [m, sendMedia(m)])),
  sendlocation: (token, params) => {
    const target = targetChat(token, params);
    countSend();
    return storeBotMessage(token, target, params, {
      location: { latitude: Number(params.latitude), longitude: Number(params.longitude) },
    });
  },
  sendcontact: (token, params) => {
    const target = targetChat(token, params);
    countSend();
    return storeBotMessage(token, target, params, {
      contact: { phone_number: String(params.phone_number), first_name: String(params.first_name) },
    });
  },
  senddice: (token, params) => {
    const target = targetChat(token, params);
    countSend();
    return storeBotMessage(token, target, params, { dice: { emoji: params.emoji || '🎲', value: 1 } });
  },

  // patch 5: the package's edits answered `result: null` and merged instead of replacing.
  editmessagetext: (token, params) => {
    const text = checkedText(params, 'text', TEXT_LIMIT, 'message');
    if (!text.text.trim()) throw badRequest('message text is empty');
    const content = { text: text.text, entities: text.entities };
    return editMessage(token, params, { content, rawText: text.raw, event: 'EditedMessageText' });
  },
  editmessagecaption: (token, params) => {
    const caption = checkedText(params, 'caption', CAPTION_LIMIT, 'message caption');
    const content = { caption: caption.text, caption_entities: caption.entities };
    return editMessage(token, params, { content, rawText: caption.raw, event: 'EditedMessageText' });
  },
  editmessagereplymarkup: (token, params) => editMessage(token, params, {
    content: {}, event: 'EditedMessageReplyMarkup',
  }),
  deletemessage: (token, params) => {
    const key = chatKey(params.chat_id);
    const messageId = intParam(params.message_id, -1);
    const entry = state.botMessages.get(`${token}|${messageId}`);
    const isUserMessage = server.storage.userMessages.some((u) => u.botToken === token
      && u.messageId === messageId && u.message && chatKey(u.message.chat.id) === key);
    if (!(entry && chatKey(entry.message.chat_id) === key) && !isUserMessage) {
      throw badRequest('message to delete not found');
    }
    if (entry) {
      state.botMessages.delete(`${token}|${messageId}`);
      server.removeBotMessage(entry.updateId);
    }
    pushEvent(token, key, { kind: 'delete', message_id: messageId });
    return true;
  },
  deletemessages: (token, params) => {
    const key = chatKey(params.chat_id);
    for (const messageId of jsonParam(params.message_ids) || []) {
      const entry = state.botMessages.get(`${token}|${messageId}`);
      if (entry && chatKey(entry.message.chat_id) === key) {
        state.botMessages.delete(`${token}|${messageId}`);
        server.removeBotMessage(entry.updateId);
        pushEvent(token, key, { kind: 'delete', message_id: Number(messageId) });
      }
    }
    return true;
  },

  // patch 6: answered `result: null`; now validates the id and records the answer for tests.
  answercallbackquery: (token, params) => {
    const cb = state.callbacks.get(`${token}|${params.callback_query_id}`);
    if (!cb) {
      throw badRequest('query is too old and response timeout expired or query ID is invalid');
    }
    cb.answered = true;
    pushEvent(token, cb.chatKey, {
      kind: 'callback_answer',
      callback_query_id: String(params.callback_query_id),
      text: params.text || null,
      show_alert: boolParam(params.show_alert),
      url: params.url || null,
    });
    return true;
  },

  // patch 7: these were HTTP 500 "not supported" before.
  sendchataction: (token, params) => {
    const { key } = targetChat(token, params);
    if (!CHAT_ACTIONS.has(params.action)) throw badRequest('wrong parameter action in request');
    pushEvent(token, key, { kind: 'chat_action', action: params.action });
    return true;
  },
  setmycommands: (token, params) => {
    const commands = jsonParam(params.commands);
    if (!Array.isArray(commands)) throw badRequest('parameter "commands" must be an array');
    for (const c of commands) {
      if (!c || !/^[a-z0-9_]{1,32}$/.test(c.command || '')) throw badRequest('BOT_COMMAND_INVALID');
      if (!c.description || c.description.length > 256) throw badRequest('BOT_COMMAND_DESCRIPTION_INVALID');
    }
    const all = state.commands.get(token) || {};
    all[commandsKey(params)] = commands.map((c) => ({ command: c.command, description: c.description }));
    state.commands.set(token, all);
    return true;
  },
  getmycommands: (token, params) => (state.commands.get(token) || {})[commandsKey(params)] || [],
  deletemycommands: (token, params) => {
    const all = state.commands.get(token) || {};
    delete all[commandsKey(params)];
    return true;
  },
  setchatmenubutton: (token, params) => {
    const profile = state.profile.get(token) || {};
    profile.menu_button = jsonParam(params.menu_button) || { type: 'default' };
    state.profile.set(token, profile);
    return true;
  },
  getchatmenubutton: (token) => (state.profile.get(token) || {}).menu_button || { type: 'commands' },
  setmyname: setProfileField('name'),
  getmyname: getProfileField('name'),
  setmydescription: setProfileField('description'),
  getmydescription: getProfileField('description'),
  setmyshortdescription: setProfileField('short_description'),
  getmyshortdescription: getProfileField('short_description'),
};

// patch 8: getUpdates ignored `timeout` (PTB's polling loop span at 100 % CPU) and `offset`
// (updates were marked read when *returned*, so a bot killed mid-batch lost them).
function handleGetUpdates(token, params, req, res) {
  const offset = intParam(params.offset, 0);
  const limit = Math.min(Math.max(intParam(params.limit, 100), 1), 100);
  const timeout = Math.min(Math.max(Number(params.timeout) || 0, 0), 50);
  const allowed = jsonParam(params.allowed_updates);
  if (Array.isArray(allowed)) state.allowedUpdates.set(token, allowed);
  confirmUpTo(token, offset);
  const collect = () => pendingUpdates(token).slice(0, limit).map(TelegramServer.formatUpdate);

  const ready = collect();
  if (ready.length || timeout === 0) {
    sendOk(res, ready);
    return;
  }
  // Like Telegram, a second concurrent getUpdates for the same bot ends the first with 409.
  const previous = state.pollers.get(token);
  if (previous) previous.finish(true);

  let done = false;
  const waiters = state.updateWaiters.get(token) || new Set();
  state.updateWaiters.set(token, waiters);
  const cleanup = () => {
    done = true;
    clearTimeout(timer);
    waiters.delete(wake);
    if (state.pollers.get(token) === poller) state.pollers.delete(token);
  };
  const finish = (conflict) => {
    if (done) return;
    cleanup();
    if (res.writableEnded || res.destroyed) return;
    if (conflict) {
      sendFail(res, new ApiError(409, 'Conflict: terminated by other getUpdates request; '
        + 'make sure that only one bot instance is running'));
    } else {
      sendOk(res, collect());
    }
  };
  const wake = () => finish(false);
  const poller = { finish };
  const timer = setTimeout(wake, timeout * 1000);
  waiters.add(wake);
  state.pollers.set(token, poller);
  // `res` (not `req`) 'close' is the one that fires when the client goes away mid-poll.
  res.on('close', cleanup);
}

const TOKEN_RE = /^\d+:[A-Za-z0-9_-]+$/;

/**
 * A call naming a held chat waits, unanswered, until the chat is released (true), or until
 * its client goes away (false: the call is dropped, as if it had never reached Telegram).
 * Lets a test kill the bot at a known point of handling an update: before its reply.
 */
function waitWhileHeld(token, params, res) {
  const waiters = state.held.get(`${token}|${chatKey(params.chat_id)}`);
  if (!waiters) return true;
  return new Promise((resolve) => {
    const finish = (released) => {
      waiters.delete(release);
      res.off('close', gone);
      state.heldCalls -= 1;
      if (!released) state.droppedCalls += 1;
      resolve(released);
    };
    const release = () => finish(true);
    const gone = () => finish(false);
    state.heldCalls += 1;
    waiters.add(release);
    res.on('close', gone);
  });
}

function botApiRoute(app) {
  app.all('/bot:token/:method', async (req, res) => {
    const { token } = req.params;
    const method = req.params.method.toLowerCase(); // Bot API method names are case-insensitive
    state.methodCounts[req.params.method] = (state.methodCounts[req.params.method] || 0) + 1;
    try {
      if (!TOKEN_RE.test(token)) throw new ApiError(401, 'Unauthorized');
      const { params, files } = await requestParams(req);
      if (CONFIG.debug) log(`${req.params.method} ${JSON.stringify(params).slice(0, 500)}`);
      if (method === 'getupdates') {
        handleGetUpdates(token, params, req, res);
        return;
      }
      const handler = METHODS[method];
      if (handler && params.chat_id !== undefined && !(await waitWhileHeld(token, params, res))) {
        return; // the bot went away while its call was held: it never reached "Telegram"
      }
      if (handler) {
        sendOk(res, handler(token, params, files, req));
        return;
      }
      // Brief: unknown methods must not fail the bot. Logged so a test can spot them.
      log(`unsupported method ${req.params.method} answered with ok/true`);
      sendOk(res, true);
    } catch (err) {
      if (err instanceof ApiError) {
        if (CONFIG.debug || err.code !== 400) log(`${req.params.method} -> ${err.code} ${err.description}`);
        sendFail(res, err);
      } else {
        log(`${req.params.method} crashed: ${err && err.stack}`);
        sendFail(res, new ApiError(500, `Internal Server Error: ${err}`));
      }
    }
  });
}

// --- client (user) routes --------------------------------------------------------------------

function rememberChat(chat) {
  if (chat && chat.id !== undefined) state.chats.set(chatKey(chat.id), { ...chat });
}

/** A user's document (client route /sendDocument): ``document: {file_name, mime_type,
 * content_base64}`` becomes a Bot API Document whose bytes getFile and /file/bot serve. */
function userDocument(body) {
  const given = body.document || {};
  if (typeof given.content_base64 !== 'string') throw badRequest('document.content_base64 is required');
  const content = Buffer.from(given.content_base64, 'base64');
  const file = {
    filename: String(given.file_name || 'document'),
    mimeType: String(given.mime_type || 'application/octet-stream'),
    content,
  };
  const document = fileObject(undefined, file);
  if (given.hide_size) delete document.file_size; // Telegram may leave the size out
  const message = { ...body, document };
  delete message.text;
  return message;
}

function userMessageRoute(app, path, isCommand, isDocument = false) {
  app.post(path, async (req, res) => {
    try {
      let body = { ...req.body };
      if (isDocument) body = userDocument(body);
      if (!body.botToken) throw badRequest('botToken is required');
      if (!body.chat || body.chat.id === undefined) throw badRequest('chat.id is required');
      if (!body.from || body.from.id === undefined) throw badRequest('from.id is required');
      body.date = toSeconds(body.date);
      if (isCommand && !body.entities) {
        const text = String(body.text || '');
        const end = text.indexOf(' ');
        body.entities = [{ offset: 0, length: end === -1 ? text.length : end, type: 'bot_command' }];
      }
      rememberChat(body.chat);
      const entry = {
        time: Date.now(),
        botToken: body.botToken,
        updateId: server.updateId,
        messageId: server.messageId,
        isRead: false,
        message: body,
      };
      server.messageId += 1;
      await server.addUserUpdate(entry);
      server.emit(isCommand ? 'AddedUserCommand' : 'AddedUserMessage');
      sendOk(res, { update_id: entry.updateId, message_id: entry.messageId });
    } catch (err) {
      sendFail(res, err instanceof ApiError ? err : badRequest(String(err)));
    }
  });
}

function userCallbackRoute(app) {
  app.post('/sendCallback', async (req, res) => {
    try {
      const body = { ...req.body };
      const token = body.botToken;
      if (!token) throw badRequest('botToken is required');
      if (!body.from || body.from.id === undefined) throw badRequest('from.id is required');
      const given = body.message || {};
      const entry = state.botMessages.get(`${token}|${given.message_id}`);
      let message;
      if (entry) {
        if (given.chat && chatKey(given.chat.id) !== chatKey(entry.message.chat_id)) {
          throw badRequest(`bot message ${given.message_id} is not in chat ${given.chat.id}`);
        }
        // A real callback query carries the message as it is now (with its keyboard).
        message = { ...entry.apiMessage };
        const buttons = (message.reply_markup && message.reply_markup.inline_keyboard) || [];
        const exists = buttons.flat().some((b) => b.callback_data === body.data);
        if (!exists && !body.force) {
          throw badRequest(`message ${given.message_id} has no button with callback_data `
            + `${JSON.stringify(body.data)}`);
        }
      } else {
        if (!body.force && given.message_id !== undefined) {
          throw badRequest(`unknown bot message ${given.message_id}`);
        }
        const chat = given.chat || { id: body.from.id, type: 'private' };
        message = { date: nowSeconds(), ...given, chat };
        message.date = toSeconds(message.date);
        if (message.message_id === undefined) message.message_id = 0;
      }
      const key = chatKey(message.chat.id);
      const callbackId = server.callbackId;
      server.callbackId += 1;
      state.callbacks.set(`${token}|${callbackId}`, { chatKey: key, answered: false });
      const update = {
        time: Date.now(),
        botToken: token,
        updateId: server.updateId,
        messageId: message.message_id,
        isRead: false,
        callbackId,
        callbackQuery: {
          from: body.from,
          message,
          // Telegram's chat_instance is an opaque per-chat string; stable per chat here.
          chat_instance: `ci${key}`,
          data: body.data,
        },
      };
      await server.addUserUpdate(update);
      server.emit('AddedUserCallbackQuery');
      sendOk(res, { update_id: update.updateId, callback_query_id: String(callbackId) });
    } catch (err) {
      sendFail(res, err instanceof ApiError ? err : badRequest(String(err)));
    }
  });
}

// --- /e2e test endpoints ----------------------------------------------------------------------

function e2eRoutes(app) {
  app.get('/e2e/health', (_req, res) => sendOk(res, { port: CONFIG.port }));

  app.get('/e2e/stats', (_req, res) => {
    const pending = {};
    server.storage.userMessages.forEach((e) => {
      if (!e.isRead) pending[e.botToken] = (pending[e.botToken] || 0) + 1;
    });
    sendOk(res, {
      method_counts: state.methodCounts,
      pending_updates: pending,
      active_pollers: state.pollers.size,
      bot_messages: state.botMessages.size,
      max_sends_per_second: state.maxSendsPerSecond,
      flood_rejections: state.floodRejections,
      held_calls: state.heldCalls,
      dropped_calls: state.droppedCalls,
    });
  });

  app.post('/e2e/events', (req, res) => {
    const { token } = req.body;
    const key = chatKey(req.body.chat_id);
    const after = intParam(req.body.after, 0);
    const waitMs = Math.min(Math.max(intParam(req.body.wait_ms, 0), 0), 30000);
    const k = `${token}|${key}`;
    const collect = () => (state.events.get(k) || []).filter((e) => e.seq > after);
    const ready = collect();
    if (ready.length || waitMs === 0) {
      sendOk(res, ready);
      return;
    }
    const waiters = state.eventWaiters.get(k) || new Set();
    state.eventWaiters.set(k, waiters);
    let timer;
    const finish = () => {
      clearTimeout(timer);
      waiters.delete(finish);
      if (!res.writableEnded && !res.destroyed) sendOk(res, collect());
    };
    timer = setTimeout(finish, waitMs);
    waiters.add(finish);
    res.on('close', () => {
      clearTimeout(timer);
      waiters.delete(finish);
    });
  });

  app.post('/e2e/message', (req, res) => {
    const entry = state.botMessages.get(`${req.body.token}|${req.body.message_id}`);
    if (!entry || chatKey(entry.message.chat_id) !== chatKey(req.body.chat_id)) {
      sendFail(res, new ApiError(404, 'Not Found: no such bot message'));
      return;
    }
    sendOk(res, clientView(entry));
  });

  app.post('/e2e/commands', (req, res) => sendOk(res, state.commands.get(req.body.token) || {}));

  app.post('/e2e/block', (req, res) => {
    const k = `${req.body.token}|${chatKey(req.body.chat_id)}`;
    if (req.body.blocked === false) state.blocked.delete(k);
    else state.blocked.add(k);
    sendOk(res, true);
  });

  app.post('/e2e/hold', (req, res) => {
    const k = `${req.body.token}|${chatKey(req.body.chat_id)}`;
    const waiters = state.held.get(k);
    if (req.body.held === false) {
      state.held.delete(k);
      if (waiters) [...waiters].forEach((release) => release());
    } else if (!waiters) {
      state.held.set(k, new Set());
    }
    sendOk(res, true);
  });

  app.get('/file/bot:token/documents/:fileId', (req, res) => {
    const file = TOKEN_RE.test(req.params.token) && state.files.get(req.params.fileId);
    if (!file) {
      sendFail(res, new ApiError(404, 'Not Found: no such file'));
      return;
    }
    res.type(file.mimeType).send(file.content);
  });

  app.get('/e2e/file/:fileId', (req, res) => {
    const file = state.files.get(req.params.fileId);
    if (!file) {
      sendFail(res, new ApiError(404, 'Not Found: no such file'));
      return;
    }
    res.type(file.mimeType).send(file.content);
  });
}

// patch 0: our routes go first so Express never reaches the package's versions of them.
packageRoutes.unshift((app) => {
  e2eRoutes(app);
  userMessageRoute(app, '/sendMessage', false);
  userMessageRoute(app, '/sendCommand', true);
  userMessageRoute(app, '/sendDocument', false, true);
  userCallbackRoute(app);
  botApiRoute(app);
});

// Constructed only now, after the routes array is patched (the constructor registers routes).
// The handlers above reference `server` only at request time.
const server = new TelegramServer({
  port: CONFIG.port,
  host: CONFIG.host,
  // The package deletes stored messages older than storeTimeout (default 60 s); long tests and
  // "pending while the bot is down" scenarios need them for the emulator's whole lifetime.
  storeTimeout: 7 * 24 * 3600,
});

// --- lifecycle ------------------------------------------------------------------------------

let stopping = false;
async function shutdown(reason) {
  if (stopping) return;
  stopping = true;
  log(`stopping (${reason})`);
  // Answer held long polls first: http-shutdown waits for open requests to finish.
  [...state.pollers.values()].forEach((p) => p.finish(false));
  state.eventWaiters.forEach((set) => [...set].forEach((wake) => wake()));
  const force = setTimeout(() => process.exit(0), 2000);
  force.unref();
  try {
    await server.stop();
  } finally {
    process.exit(0);
  }
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('unhandledRejection', (err) => log(`unhandled rejection: ${err && err.stack}`));
if (CONFIG.exitWithStdin) {
  // The test harness keeps our stdin open; if it dies (even by SIGKILL) the pipe closes and we
  // do not linger as an orphan holding the port.
  process.stdin.on('end', () => shutdown('stdin closed'));
  process.stdin.on('close', () => shutdown('stdin closed'));
  process.stdin.resume();
}

server.start().then(() => {
  process.stdout.write(`EMULATOR READY ${CONFIG.port}\n`);
}, (err) => {
  log(`cannot listen on ${CONFIG.host}:${CONFIG.port}: ${err}`);
  process.exit(1);
});
