"""Which messages are meant for the bot: in groups, only those addressed to it.

In a private chat everything is. In a group or supergroup the bot answers only messages that
@mention it, reply to one of its own messages, or are commands explicitly addressed to it
(``/lenh@tenbot``); :class:`telegram.ext.CommandHandler` already accepts plain ``/lenh`` for
the bot's own commands. Everything else said in the group is none of its business.
"""

from __future__ import annotations

from telegram import Message, MessageEntity
from telegram.constants import ChatType
from telegram.ext.filters import MessageFilter


class AddressedToBot(MessageFilter):
    """Private messages, and group messages that mention, reply to or command the bot."""

    __slots__ = ()

    def filter(self, message: Message) -> bool:
        if message.chat.type == ChatType.PRIVATE:
            return True
        bot = message.get_bot()
        reply = message.reply_to_message
        if reply is not None and reply.from_user is not None and reply.from_user.id == bot.id:
            return True
        username = (bot.username or "").lower()
        kinds: list[str | None] = [
            MessageEntity.MENTION,
            MessageEntity.TEXT_MENTION,
            MessageEntity.BOT_COMMAND,
        ]
        for entity, text in {
            **message.parse_entities(kinds),
            **message.parse_caption_entities(kinds),
        }.items():
            if entity.type == MessageEntity.TEXT_MENTION:
                if entity.user is not None and entity.user.id == bot.id:
                    return True
            elif entity.type == MessageEntity.MENTION:
                if username and text[1:].lower() == username:
                    return True
            elif username and text.lower().endswith("@" + username):
                return True
        return False


ADDRESSED_TO_BOT = AddressedToBot(name="AddressedToBot")
