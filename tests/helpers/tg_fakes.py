"""Fakes for the Telegram tests: a recording Bot API transport and update factories.

:class:`RecordingRequest` replaces the network (as python-telegram-bot's own test suite and
aiogram's ``MockedBot`` do): it records every ``(endpoint, parameters)`` the bot sends and
answers each method with a plausible result, so the bot runs its real code paths end to end.
:class:`Updates` builds incoming updates with ``Update.de_json``, like
``tests/auxil/build_messages.py`` in python-telegram-bot.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import time
from dataclasses import dataclass
from typing import Any

from telegram import Bot, Update
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, RequestData

TOKEN = "123456789:AAH-fake-token-for-tests-0123456789abcdef"
BOT_ID = 123456789
BOT_USERNAME = "danvan_test_bot"
BOT_USER = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "Trợ lý dân vận",
    "username": BOT_USERNAME,
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
CITIZEN_ID = 1001
OTHER_CITIZEN_ID = 1002
OFFICER_ID = 5005
GROUP_ID = -100123456


@dataclass
class Call:
    """One request the bot made."""

    endpoint: str
    params: dict[str, Any]
    message_id: int | None = None  # of the message sent or edited
    # Files uploaded with the request (sendDocument...): part name -> (file name, bytes).
    files: dict[str, tuple[str, bytes]] | None = None

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def chat_id(self) -> int | None:
        chat_id = self.params.get("chat_id")
        return int(chat_id) if chat_id is not None else None

    @property
    def buttons(self) -> list[list[tuple[str, str]]]:
        """The inline keyboard as rows of (text, callback data)."""
        markup = self.params.get("reply_markup") or {}
        return [
            [(button["text"], button.get("callback_data", "")) for button in row]
            for row in markup.get("inline_keyboard", [])
        ]

    @property
    def button_data(self) -> list[str]:
        return [data for row in self.buttons for _, data in row]

    def data_of(self, label: str) -> str:
        """The callback data of the button whose text is ``label``."""
        for row in self.buttons:
            for text, data in row:
                if text == label:
                    return data
        raise AssertionError(f"no button {label!r} in {self.buttons}")


class RecordingRequest(BaseRequest):
    """A Bot API that records requests and answers them; nothing leaves the process."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.failures: dict[str, tuple[int, str]] = {}
        self._message_ids = itertools.count(5000)
        self.urls: list[str] = []
        # What each sent message shows now, (chat id, message id) -> (text, keyboard), so an
        # edit that changes nothing is refused as Telegram refuses it.
        self.shown: dict[tuple[int, int], tuple[str, Any]] = {}
        # Files users sent, by file id, served by getFile and the file download URL.
        self.downloads: dict[str, bytes] = {}

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    def fail(self, endpoint: str, code: int = 400, description: str = "Bad Request") -> None:
        """Answer the next request to ``endpoint`` with an error."""
        self.failures[endpoint] = (code, description)

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        if "/file/bot" in url:  # a file download (File.download_*): the bytes, not JSON
            self.urls.append(url)
            self.calls.append(Call("download", {"file_id": endpoint}))
            return 200, self.downloads[endpoint]
        params = json.loads(json.dumps(request_data.parameters)) if request_data else {}
        self.urls.append(url)
        call = Call(endpoint, params)
        if request_data is not None and request_data.contains_files:
            call.files = {
                part: (str(value[0]), _content(value[1]))
                for part, value in request_data.multipart_data.items()
            }
        self.calls.append(call)
        if endpoint in self.failures:
            code, description = self.failures.pop(endpoint)
            body = {"ok": False, "error_code": code, "description": description}
            return code, json.dumps(body).encode()
        if self._unchanged(endpoint, params):
            description = (
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message"
            )
            body = {"ok": False, "error_code": 400, "description": description}
            return 400, json.dumps(body).encode()
        result = self._result(endpoint, params)
        if endpoint == "copyMessage":
            call.message_id = int(result["message_id"])
        elif isinstance(result, dict) and "message_id" in result:
            call.message_id = int(result["message_id"])
            self.shown[(int(result["chat"]["id"]), call.message_id)] = (
                str(result.get("text", "")),
                result.get("reply_markup"),
            )
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _unchanged(self, endpoint: str, params: dict[str, Any]) -> bool:
        """An edit that would leave a known message exactly as it is."""
        if endpoint not in ("editMessageText", "editMessageReplyMarkup"):
            return False
        key = (int(params.get("chat_id", CITIZEN_ID)), int(params.get("message_id", 0)))
        if key not in self.shown:
            return False
        text, markup = self.shown[key]
        new_text = params.get("text", text) if endpoint == "editMessageText" else text
        return (new_text, params.get("reply_markup")) == (text, markup)

    def _result(self, endpoint: str, params: dict[str, Any]) -> Any:
        if endpoint == "getMe":
            return BOT_USER
        if endpoint == "getUpdates":
            return []
        if endpoint == "copyMessage":
            return {"message_id": next(self._message_ids)}
        if endpoint == "getFile":
            file_id = str(params["file_id"])
            size = len(self.downloads.get(file_id, b""))
            path = f"documents/{file_id}"
            return {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_size": size,
                "file_path": path,
            }
        if endpoint == "sendDocument":
            chat_id = int(params.get("chat_id", CITIZEN_ID))
            return {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": _chat(chat_id),
                "from": BOT_USER,
                "document": {"file_id": "BQACsent", "file_unique_id": "AgADsent"},
            }
        if endpoint in ("sendMessage", "editMessageText", "editMessageReplyMarkup"):
            chat_id = int(params.get("chat_id", CITIZEN_ID))
            message_id = params.get("message_id") or next(self._message_ids)
            result: dict[str, Any] = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": _chat(chat_id),
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
            if params.get("message_thread_id") is not None:
                result.update(_topic(int(params["message_thread_id"])))
                result["chat"] = _chat(chat_id, forum=True)
            if endpoint == "editMessageReplyMarkup":
                shown = self.shown.get((chat_id, int(message_id)))
                result["text"] = shown[0] if shown is not None else ""
            if params.get("reply_markup"):
                result["reply_markup"] = params["reply_markup"]
            return result
        return True

    # --- what the bot did ------------------------------------------------------------------
    def sent(self, endpoint: str | None = None) -> list[Call]:
        """The calls made (to ``endpoint`` only, if given)."""
        return [call for call in self.calls if endpoint is None or call.endpoint == endpoint]

    def replies(self) -> list[Call]:
        """Messages sent or edited: what a citizen sees."""
        return [c for c in self.calls if c.endpoint in ("sendMessage", "editMessageText")]

    def clear(self) -> None:
        self.calls.clear()


def html_to_text(text: str) -> str:
    """A sent HTML message as Telegram shows it back: tags gone, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def _content(value: Any) -> bytes:
    """The bytes of one multipart part (bytes or a file handle)."""
    return value if isinstance(value, bytes) else bytes(value.read())


def _chat(chat_id: int, forum: bool = False) -> dict[str, Any]:
    if chat_id < 0:
        chat = {"id": chat_id, "type": "supergroup", "title": "Nhóm thôn 3"}
        return {**chat, "is_forum": True} if forum else chat
    return {"id": chat_id, "type": "private", "first_name": "Dân"}


def _topic(thread_id: int | None) -> dict[str, Any]:
    """The fields of a message in a forum topic (none outside one)."""
    if thread_id is None:
        return {}
    return {"message_thread_id": thread_id, "is_topic_message": True}


def _user(user_id: int) -> dict[str, Any]:
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": f"Nguyễn {user_id}",
        "username": f"u{user_id}",
    }


class Updates:
    """Factories for incoming updates, with increasing update and message ids."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)

    def _message(
        self, user_id: int, chat_id: int | None, thread_id: int | None = None, **fields: Any
    ) -> dict[str, Any]:
        chat = _chat(chat_id if chat_id is not None else user_id, forum=thread_id is not None)
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": _user(user_id),
            **_topic(thread_id),
            **fields,
        }

    def _update(self, **fields: Any) -> Update:
        update = Update.de_json({"update_id": next(self._update_ids), **fields}, self.bot)
        assert update is not None
        return update

    def text(
        self,
        text: str,
        user_id: int = CITIZEN_ID,
        chat_id: int | None = None,
        entities: list[dict[str, Any]] | None = None,
        reply_to_bot: bool = False,
        thread_id: int | None = None,
        reply_to: Call | None = None,
    ) -> Update:
        """A text message (in a private chat unless ``chat_id`` is a group's; in a forum
        topic with ``thread_id``); ``reply_to``: a reply to that message the bot sent."""
        fields: dict[str, Any] = {"text": text}
        if entities:
            fields["entities"] = entities
        if reply_to is not None:
            fields["reply_to_message"] = {
                "message_id": _sent_message_id(reply_to),
                "date": int(time.time()),
                "chat": _chat(int(reply_to.params["chat_id"])),
                "from": BOT_USER,
                "text": html_to_text(reply_to.text),
            }
        if reply_to_bot:
            fields["reply_to_message"] = {
                "message_id": 4999,
                "date": int(time.time()),
                "chat": _chat(chat_id if chat_id is not None else user_id),
                "from": BOT_USER,
                "text": "Câu trả lời trước",
            }
        return self._update(message=self._message(user_id, chat_id, thread_id, **fields))

    def command(
        self,
        command: str,
        user_id: int = CITIZEN_ID,
        chat_id: int | None = None,
        thread_id: int | None = None,
    ) -> Update:
        """``/command`` (with arguments and ``@botname`` as written)."""
        length = len(command.split()[0])
        entity = {"type": "bot_command", "offset": 0, "length": length}
        return self.text(command, user_id, chat_id, entities=[entity], thread_id=thread_id)

    def mention(
        self,
        text: str,
        user_id: int = CITIZEN_ID,
        chat_id: int = GROUP_ID,
        thread_id: int | None = None,
    ) -> Update:
        """A group message starting with ``@botname``."""
        full = f"@{BOT_USERNAME} {text}"
        entity = {"type": "mention", "offset": 0, "length": len(BOT_USERNAME) + 1}
        return self.text(full, user_id, chat_id, entities=[entity], thread_id=thread_id)

    def sticker(self, user_id: int = CITIZEN_ID, chat_id: int | None = None) -> Update:
        sticker = {
            "file_id": "CAACAgIAAxk",
            "file_unique_id": "AgADsticker",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
        return self._update(message=self._message(user_id, chat_id, sticker=sticker))

    def photo(
        self, user_id: int = CITIZEN_ID, chat_id: int | None = None, caption: str | None = None
    ) -> Update:
        photo = [{"file_id": "AgAC", "file_unique_id": "AQAD", "width": 90, "height": 90}]
        extra = {"caption": caption} if caption is not None else {}
        return self._update(message=self._message(user_id, chat_id, photo=photo, **extra))

    def document(
        self,
        file_name: str,
        file_id: str = "BQACdoc",
        size: int | None = None,
        user_id: int = CITIZEN_ID,
        chat_id: int | None = None,
    ) -> Update:
        """A file sent as a document (its bytes go to ``RecordingRequest.downloads``)."""
        document: dict[str, Any] = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": file_name,
        }
        if size is not None:
            document["file_size"] = size
        return self._update(message=self._message(user_id, chat_id, document=document))

    def voice(self, user_id: int = CITIZEN_ID, chat_id: int | None = None) -> Update:
        voice = {"file_id": "AwAC", "file_unique_id": "AgAD", "duration": 3}
        return self._update(message=self._message(user_id, chat_id, voice=voice))

    def edited_text(self, text: str, user_id: int = CITIZEN_ID) -> Update:
        message = self._message(user_id, None, text=text, edit_date=int(time.time()))
        return self._update(edited_message=message)

    def callback(
        self,
        data: str,
        reply: Call | None = None,
        user_id: int = CITIZEN_ID,
        chat_id: int | None = None,
        message_id: int | None = None,
    ) -> Update:
        """A button press on ``reply`` (a message the bot sent, as recorded)."""
        if reply is not None:
            message_id = message_id or _sent_message_id(reply)
            chat_id = chat_id if chat_id is not None else reply.chat_id
        thread_id = reply.params.get("message_thread_id") if reply is not None else None
        chat = _chat(chat_id if chat_id is not None else user_id, forum=thread_id is not None)
        message: dict[str, Any] = {
            "message_id": message_id or 4998,
            "date": int(time.time()),
            "chat": chat,
            "from": BOT_USER,
            "text": reply.text if reply is not None else "…",
            **_topic(thread_id),
        }
        if reply is not None and reply.params.get("reply_markup"):
            message["reply_markup"] = reply.params["reply_markup"]
        elif reply is None:  # a message of the bot whose one button is this one
            message["reply_markup"] = {"inline_keyboard": [[{"text": "…", "callback_data": data}]]}
        query = {
            "id": str(next(self._update_ids)),
            "from": _user(user_id),
            "chat_instance": "instance",
            "data": data,
            "message": message,
        }
        return self._update(callback_query=query)


def _sent_message_id(call: Call) -> int:
    """The id the recording transport gave a sent message (or the edited message's id)."""
    assert call.message_id is not None, f"{call.endpoint} returned no message"
    return call.message_id
